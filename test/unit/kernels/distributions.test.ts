import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GammaSampler, NormalSampler } from '../../../jobs/kernels/distributions.ts';
import { normalCdf } from '../../../jobs/kernels/normal.ts';
import { Xoshiro256Plus, streamFor, type Xoshiro256State } from '../../../jobs/kernels/rng.ts';

const STATE: Xoshiro256State = [0x9e3779b97f4a7c15n, 0xbf58476d1ce4e5b9n, 0x94d049bb133111ebn, 12345n];

/** Kolmogorov-Smirnov distance between the samples and the distribution function `cdf`. */
function ksDistance(samples: number[], cdf: (x: number) => number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  let distance = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    distance = Math.max(distance, f - i / sorted.length, (i + 1) / sorted.length - f);
  });
  return distance;
}

/** KS critical distance at the 0.1% level: a correct sampler exceeds it once in 1,000 seeds. */
const ksCritical = (n: number) => 1.95 / Math.sqrt(n);

test('normals follow the polar method one uniform at a time, block boundaries included', () => {
  const reference = new Xoshiro256Plus(STATE);
  const expected: number[] = [];
  while (expected.length < 5000) {
    const u1 = 2 * reference.nextDouble() - 1;
    const u2 = 2 * reference.nextDouble() - 1;
    const w = u1 * u1 + u2 * u2;
    if (w >= 1 || w === 0) continue;
    const m = Math.sqrt((-2 * Math.log(w)) / w);
    expected.push(u1 * m, u2 * m);
  }
  const sampler = new NormalSampler(new Xoshiro256Plus(STATE));
  const actual = Array.from({ length: 5000 }, () => sampler.next());
  assert.deepEqual(actual, expected);
});

test('fill gives the same normals as repeated next, in chunks of any size', () => {
  const one = new NormalSampler(streamFor(3, 9));
  const expected = Array.from({ length: 7000 }, () => one.next());
  const chunked = new NormalSampler(streamFor(3, 9));
  const actual: number[] = [];
  for (const size of [1, 999, 2048, 3000, 952]) {
    const out = new Float64Array(size + 5);
    chunked.fill(out, size);
    actual.push(...out.subarray(0, size));
    assert.deepEqual([...out.subarray(size)], [0, 0, 0, 0, 0], 'fill writes only count values');
  }
  assert.deepEqual(actual, expected);
});

test('normals are standard normal (Kolmogorov-Smirnov, 20,000 draws)', () => {
  const sampler = new NormalSampler(streamFor(1, 0));
  const samples = Array.from({ length: 20_000 }, () => sampler.next());
  assert.ok(ksDistance(samples, normalCdf) < ksCritical(samples.length));
});

/** Gamma(shape, 1) distribution function for an integer shape: 1 − e^{−x}·Σ_{k<shape} x^k/k!. */
function gammaCdfIntegerShape(shape: number): (x: number) => number {
  return (x) => {
    let term = 1;
    let sum = 1;
    for (let k = 1; k < shape; k += 1) {
      term *= x / k;
      sum += term;
    }
    return 1 - Math.exp(-x) * sum;
  };
}

for (const shape of [1, 2, 5]) {
  test(`Gamma(${shape}) variates follow their distribution (Kolmogorov-Smirnov, 20,000 draws)`, () => {
    const gamma = new GammaSampler(shape);
    const source = new NormalSampler(streamFor(2, shape));
    const samples = Array.from({ length: 20_000 }, () => gamma.next(source));
    assert.ok(ksDistance(samples, gammaCdfIntegerShape(shape)) < ksCritical(samples.length));
  });
}

for (const shape of [1.5, 2.25, 50]) {
  test(`Gamma(${shape}) variates have mean and variance ${shape} (100,000 draws)`, () => {
    const gamma = new GammaSampler(shape);
    const source = new NormalSampler(streamFor(4, Math.round(shape * 4)));
    const n = 100_000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i += 1) {
      const x = gamma.next(source);
      assert.ok(x > 0);
      sum += x;
      squares += x * x;
    }
    const mean = sum / n;
    const variance = (squares - n * mean * mean) / (n - 1);
    // Standard errors: √(shape/n) for the mean, √(shape²·(2 + 6/shape)/n) for the variance; allow ~4.5.
    assert.ok(Math.abs(mean - shape) < 4.5 * Math.sqrt(shape / n), `mean ${mean}`);
    assert.ok(Math.abs(variance - shape) < 4.5 * shape * Math.sqrt((2 + 6 / shape) / n), `variance ${variance}`);
  });
}

for (const shape of [0.5, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
  test(`a gamma shape of ${shape} is refused (the method needs shape >= 1)`, () => {
    assert.throws(() => new GammaSampler(shape), RangeError);
  });
}
