import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro256Plus, splitMix64At, streamFor, type Xoshiro256State } from '../../../jobs/kernels/rng.ts';

const MASK64 = (1n << 64n) - 1n;
/** The fixed state of shared/bench/mc_ref.c. */
const MC_REF_STATE: Xoshiro256State = [0x9e3779b97f4a7c15n, 0xbf58476d1ce4e5b9n, 0x94d049bb133111ebn, 12345n];

/** xoshiro256+ transcribed from mc_ref.c's next() in 64-bit BigInt arithmetic: the reference. */
function referenceXoshiro(state: Xoshiro256State): () => bigint {
  const s = [...state];
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & MASK64;
  return () => {
    const [s0, s1, s2, s3] = s as [bigint, bigint, bigint, bigint];
    const result = (s0 + s3) & MASK64;
    const t = (s1 << 17n) & MASK64;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    s[0] = n0;
    s[1] = n1;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 45n);
    return result;
  };
}

/** SplitMix64 by plain iteration (Vigna's splitmix64.c), the reference for the skip-ahead. */
function referenceSplitMix64(seed: bigint): () => bigint {
  let x = seed;
  return () => {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

const u01 = (word: bigint) => Number(word >> 11n) * 2 ** -53;

test('nextUint64 from the mc_ref.c state matches the BigInt reference for 10,000 outputs', () => {
  const reference = referenceXoshiro(MC_REF_STATE);
  const generator = new Xoshiro256Plus(MC_REF_STATE);
  for (let i = 0; i < 10_000; i += 1) assert.equal(generator.nextUint64(), reference(), `output ${i}`);
});

test('nextDouble is mc_ref.c u01(): (next() >> 11) * 2^-53', () => {
  const reference = referenceXoshiro(MC_REF_STATE);
  const generator = new Xoshiro256Plus(MC_REF_STATE);
  for (let i = 0; i < 10_000; i += 1) {
    const u = generator.nextDouble();
    assert.equal(u, u01(reference()), `output ${i}`);
    assert.ok(u >= 0 && u < 1);
  }
});

test('fill continues the same sequence as nextDouble, across uneven block sizes', () => {
  const reference = referenceXoshiro(MC_REF_STATE);
  const generator = new Xoshiro256Plus(MC_REF_STATE);
  for (const size of [1, 7, 2048, 3, 1000]) {
    const block = new Float64Array(size);
    generator.fill(block);
    for (let i = 0; i < size; i += 1) assert.equal(block[i], u01(reference()));
    assert.equal(generator.nextDouble(), u01(reference()), 'nextDouble after fill');
  }
});

test('state() round-trips through the constructor', () => {
  const generator = new Xoshiro256Plus(MC_REF_STATE);
  assert.deepEqual(generator.state(), MC_REF_STATE);
  generator.nextDouble();
  const resumed = new Xoshiro256Plus(generator.state());
  assert.equal(resumed.nextUint64(), generator.nextUint64());
});

const BAD_STATES: ReadonlyArray<readonly [label: string, state: Xoshiro256State]> = [
  ['all zero (a fixed point)', [0n, 0n, 0n, 0n]],
  ['a negative word', [1n, -1n, 0n, 0n]],
  ['a word of 2^64', [1n << 64n, 0n, 0n, 0n]],
];

for (const [label, state] of BAD_STATES) {
  test(`the constructor rejects a state with ${label}`, () => {
    assert.throws(() => new Xoshiro256Plus(state), RangeError);
  });
}

// Known answers published for SplitMix64 (Rosetta Code "Pseudo-random numbers/Splitmix64",
// seed 1234567; and seed 0's first output 0xE220A8397B1DCDAF).
test('splitMix64At reproduces published SplitMix64 outputs', () => {
  assert.equal(splitMix64At(0n, 0n), 0xe220a8397b1dcdafn);
  const published = [6457827717110365317n, 3203168211198807973n, 9817491932198370423n, 4593380528125082431n, 16408922859458223821n];
  published.forEach((value, n) => {
    assert.equal(splitMix64At(1234567n, BigInt(n)), value);
  });
});

const STREAM_CASES: ReadonlyArray<readonly [seed: number, index: number]> = [
  [0, 0],
  [0, 1],
  [0, 17],
  [42, 3],
  [Number.MAX_SAFE_INTEGER, 5],
];

for (const [seed, index] of STREAM_CASES) {
  test(`streamFor(${seed}, ${index}) starts from SplitMix64(seed) outputs 4·index … 4·index+3`, () => {
    const next = referenceSplitMix64(BigInt(seed));
    for (let i = 0; i < 4 * index; i += 1) next();
    assert.deepEqual(streamFor(seed, index).state(), [next(), next(), next(), next()]);
  });
}

test('streamFor is a pure function of (seed, index)', () => {
  const index = Number.MAX_SAFE_INTEGER;
  const a = streamFor(7, index);
  const b = streamFor(7, index);
  for (let i = 0; i < 100; i += 1) assert.equal(a.nextDouble(), b.nextDouble());
});

test('streamFor gives 10,000 (seed, index) pairs pairwise distinct first outputs', () => {
  const seen = new Set<bigint>();
  for (let seed = 0; seed < 50; seed += 1) {
    for (let index = 0; index < 200; index += 1) seen.add(streamFor(seed, index).nextUint64());
  }
  assert.equal(seen.size, 10_000);
});

const BAD_ARGUMENTS: ReadonlyArray<readonly [seed: number, index: number]> = [
  [-1, 0],
  [0, -1],
  [0.5, 0],
  [0, 1.5],
  [2 ** 53, 0],
  [0, Number.NaN],
];

for (const [seed, index] of BAD_ARGUMENTS) {
  test(`streamFor(${seed}, ${index}) throws RangeError`, () => {
    assert.throws(() => streamFor(seed, index), RangeError);
  });
}
