/** Exact sums: the merged mean and standard deviation are the exact figures rounded once, whatever the split. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricAccumulator, mergeMetric, type MetricPartial } from '../../../shared/stats/partial.ts';
import {
  decodeInteger,
  encodeExactSums,
  encodeInteger,
  exactMoments,
  mergeExactSums,
  roundQuotient,
  roundSquareRoot,
} from '../../../shared/stats/exact-moments.ts';
import { ExactMomentSums } from '../../../shared/stats/exact-sum.ts';

function merged(values: readonly number[], chunk: number) {
  const partials: MetricPartial[] = [];
  for (let i = 0; i < values.length; i += chunk) {
    const acc = new MetricAccumulator();
    for (const v of values.slice(i, i + chunk)) acc.add(v);
    partials.push(JSON.parse(JSON.stringify(acc.toPartial())) as MetricPartial);
  }
  return mergeMetric(partials, []);
}

test('cancellation a float sum loses: 1e16 + 1 − 1e16 has mean 1/3 and the spread of the exact values', () => {
  const values = [1e16, 1, -1e16];
  for (const chunk of [1, 2, 3]) {
    const m = merged(values, chunk);
    assert.equal(m.mean, 1 / 3);
    // Exact sample variance: (Σx² − (Σx)²/3)/2 = (2e32 + 1 − 1/3)/2 = 1e32 + 1/3, whose root rounds to 1e16.
    assert.equal(m.stddev, 1e16);
  }
});

test('1, 2, …, n shifted by 1e9: mean 1e9 + (n+1)/2 and standard deviation √(n(n+1)/12), to the last bit', () => {
  const n = 10_001;
  const values = Array.from({ length: n }, (_, i) => 1e9 + i + 1);
  for (const chunk of [1, 7, 1000, n]) {
    const m = merged(values, chunk);
    assert.equal(m.mean, 1e9 + (n + 1) / 2);
    assert.equal(m.stddev, Math.sqrt((n * (n + 1)) / 12));
  }
});

test('tiny and huge values keep their squares: scaling the values by 2^±900 scales mean and deviation exactly', () => {
  const base = Array.from({ length: 500 }, (_, i) => Math.sin(i * 1.7) * 3 + 0.25);
  const reference = merged(base, 13);
  for (const scale of [2 ** -900, 2 ** -1000, 2 ** 900]) {
    const m = merged(
      base.map((v) => v * scale),
      13,
    );
    assert.equal(m.mean, reference.mean * scale, `mean at scale ${scale}`);
    assert.equal(m.stddev, reference.stddev * scale, `stddev at scale ${scale}`);
  }
  // Values spanning 600 decimal orders of magnitude: the small ones still count (sums only: the
  // sketch's dense store cannot span that range of keys).
  const shards = [[1e-300, 1e300], [-1e300], [1e-300]].map((values) => {
    const sums = new ExactMomentSums();
    for (const v of values) sums.add(v);
    return { count: values.length, exact: encodeExactSums(sums) };
  });
  assert.equal(exactMoments(mergeExactSums(shards)!).mean, 5e-301);
});

test('rounding helpers round to nearest, ties to even, from big-integer rationals', () => {
  assert.equal(roundQuotient(1n, 3n), 1 / 3);
  assert.equal(roundQuotient(-2n, 3n), -2 / 3);
  // 2^53 + 1 is a tie between 2^53 and 2^53 + 2: even wins; a hair more rounds up.
  assert.equal(roundQuotient(2n ** 53n + 1n, 1n), 2 ** 53);
  assert.equal(roundQuotient((2n ** 53n + 1n) * 10n ** 30n + 1n, 10n ** 30n), 2 ** 53 + 2);
  assert.equal(roundSquareRoot(2n, 1n), Math.SQRT2);
  assert.equal(roundSquareRoot(1n, 4n), 0.5);
  assert.equal(roundSquareRoot(10n ** 40n, 1n), 1e20);
});

test('exact sums travel compactly and losslessly: hexadecimal without their trailing zero bits', () => {
  for (const value of [0n, 1n, -1n, 0xf0n, -(3n << 1100n), (1n << 2300n) + 1n, 12345678901234567890n << 999n]) {
    assert.equal(decodeInteger(encodeInteger(value)), value);
  }
  assert.equal(encodeInteger(-(0x1f3bn << 1012n)), '-0x1f3bp1012');
  assert.equal(decodeInteger('0x12zz'), undefined);
  // A shard of prices near 100: its sums take tens of characters, not hundreds.
  const sums = new ExactMomentSums();
  for (let i = 0; i < 1000; i++) sums.add(100 + Math.sin(i));
  const encoded = encodeExactSums(sums);
  assert.ok(encoded.s.length + encoded.q.length < 120, JSON.stringify(encoded));
});
