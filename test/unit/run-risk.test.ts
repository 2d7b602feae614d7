/**
 * Run-level VaR and ES from merged shard sketches: the exact convention on small
 * cases, and the stated error bound against the exact figures (every value sorted)
 * on adversarial P&L distributions split over many shards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamFor } from '../../jobs/kernels/rng.ts';
import { MetricAccumulator, type MetricPartial } from '../../shared/stats/partial.ts';
import { SKETCH_RELATIVE_ACCURACY } from '../../shared/stats/sketch.ts';
import { exactTailRisk, metricRisk, tailMass } from '../../shared/stats/tail-risk.ts';

const LEVELS = [0.9, 0.95, 0.975, 0.99, 0.999] as const;
/** Floating-point slack on top of α: bin edges computed with log2 may land a value one ulp-ish across. */
const SLACK = 1e-9;

function partials(values: ArrayLike<number>, shardSize: number): MetricPartial[] {
  const out: MetricPartial[] = [];
  for (let start = 0; start < values.length; start += shardSize) {
    const acc = new MetricAccumulator();
    for (let i = start; i < Math.min(values.length, start + shardSize); i++) acc.add(values[i]!);
    out.push(JSON.parse(JSON.stringify(acc.toPartial())) as MetricPartial);
  }
  return out;
}

/** (1/m)·Σ w_i·|x_(i)|, the Acerbi–Tasche weights on absolute values: the ES bound's scale when the tail straddles zero. */
function absoluteTailMean(sorted: Float64Array, confidence: number): number {
  const m = Math.min(sorted.length, tailMass(sorted.length, confidence));
  const whole = Math.floor(m);
  let sum = 0;
  for (let i = 0; i < whole; i++) sum += Math.abs(sorted[i]!);
  if (m > whole) sum += (m - whole) * Math.abs(sorted[whole]!);
  return sum / m;
}

test('convention: VaR is −x_(⌈m⌉), ES the Acerbi–Tasche mean of the worst m = n·(1 − c)', () => {
  // n = 5, c = 0.7: m = 1.5, k = 2 → VaR = −(−5), ES = (10 + 0.5·5) / 1.5.
  const r = exactTailRisk([10, -5, 0, -10, 5], 0.7);
  assert.equal(r.valueAtRisk, 5);
  assert.ok(Math.abs(r.expectedShortfall - 12.5 / 1.5) < 1e-12);
  // Whole m: the plain mean of the worst m. 1,000 values at 99%: m is 10, not 10.000000000000009.
  const ramp = Array.from({ length: 1000 }, (_, i) => i - 100);
  assert.equal(tailMass(1000, 0.99), 10);
  assert.deepEqual(exactTailRisk(ramp, 0.99), { valueAtRisk: 91, expectedShortfall: 95.5 });
  // m < 1: the whole tail is the worst value.
  assert.deepEqual(exactTailRisk([3, -7, 2], 0.999), { valueAtRisk: 7, expectedShortfall: 7 });
  // Ties at the boundary count only as far as the tail mass reaches: m = 2 of four −1s.
  assert.deepEqual(exactTailRisk([-1, -1, -1, -1, 0, 0, 0, 0, 0, 5], 0.8), { valueAtRisk: 1, expectedShortfall: 1 });
  // A flat book: 0, never −0.
  assert.ok(Object.is(exactTailRisk([0, 0, 0], 0.5).valueAtRisk, 0));
});

function draws(count: number, seed: number, draw: (u: () => number, i: number) => number): Float64Array {
  const stream = streamFor(seed, 0);
  const u = () => stream.nextDouble();
  return Float64Array.from({ length: count }, (_, i) => draw(u, i));
}
/** Standard normal by Box–Muller (the test needs shapes, not the kernels' samplers). */
const normal = (u: () => number) => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

const DISTRIBUTIONS: ReadonlyArray<readonly [label: string, values: Float64Array, shardSize: number]> = [
  ['normal P&L, 2,000 shards of 50', draws(100_000, 1, (u) => 1e6 * normal(u)), 50],
  [
    'Pareto losses (tail index 1.2) against bounded gains, 60,000 shards of 1',
    draws(60_000, 2, (u) => (u() < 0.5 ? -1e4 * (1 - u()) ** (-1 / 1.2) : 1e4 * u())),
    1,
  ],
  [
    'Student t(3) with a huge range of magnitudes',
    draws(80_000, 3, (u) => {
      const z = normal(u);
      const w = normal(u) ** 2 + normal(u) ** 2 + normal(u) ** 2;
      return (50 * z) / Math.sqrt(w / 3);
    }),
    997,
  ],
  ['mostly profits: the 90% and 95% tails straddle zero', draws(50_000, 4, (u) => 150 + 80 * normal(u)), 333],
  ['all profits: VaR negative, the tail all gains', draws(20_000, 5, (u) => 1 + u() * 99), 1000],
  ['heavy duplicates: 7 distinct P&Ls', draws(30_000, 6, (u) => [-1e6, -250_000, -3, 0, 0, 12, 4e5][Math.floor(u() * 7)]!), 128],
  ['a point mass at the VaR boundary', draws(10_000, 7, (u, i) => (i % 10 === 0 ? -42 : u() * 100)), 64],
  ['tiny magnitudes and exact zeros', draws(40_000, 8, (u, i) => (i % 3 === 0 ? 0 : 1e-200 * normal(u))), 4000],
];

for (const [label, values, shardSize] of DISTRIBUTIONS) {
  test(`within the stated bound of the exact figures: ${label}`, () => {
    const risk = metricRisk(partials(values, shardSize), LEVELS)!;
    assert.equal(risk.count, values.length);
    assert.equal(risk.relativeAccuracy, SKETCH_RELATIVE_ACCURACY);
    const alpha = SKETCH_RELATIVE_ACCURACY * (1 + SLACK);
    const sorted = Float64Array.from(values).sort();
    for (const level of LEVELS) {
      const exact = exactTailRisk(values, level);
      const gotVar = risk.var[String(level)]!;
      const gotEs = risk.es[String(level)]!;
      assert.ok(Math.abs(gotVar - exact.valueAtRisk) <= alpha * Math.abs(exact.valueAtRisk), `VaR ${level}: ${gotVar} vs exact ${exact.valueAtRisk}`);
      const k = Math.max(1, Math.ceil(tailMass(values.length, level)));
      const oneSigned = sorted[k - 1]! <= 0 || sorted[0]! >= 0;
      const scale = oneSigned ? Math.abs(exact.expectedShortfall) : absoluteTailMean(sorted, level);
      assert.ok(
        Math.abs(gotEs - exact.expectedShortfall) <= alpha * scale,
        `ES ${level}: ${gotEs} vs exact ${exact.expectedShortfall} (bound ${alpha * scale})`,
      );
      if (exact.valueAtRisk >= 0) assert.ok(oneSigned, 'a non-negative VaR means the whole tail is losses');
    }
  });
}

test('the figures are the same however the values are split into shards', () => {
  const values = DISTRIBUTIONS[2]![1];
  const one = metricRisk(partials(values, values.length), LEVELS);
  for (const shardSize of [1, 7, 1000]) assert.deepEqual(metricRisk(partials(values, shardSize), LEVELS), one, `shardSize ${shardSize}`);
});

test('a tail of one value is exact (the minimum is known exactly)', () => {
  for (const worst of [-1000, -1003, -1007, -1011, -1013, -1017, -1019, -1023]) {
    const values = draws(500, 9, (u, i) => (i === 250 ? worst : -900 * u() + 17));
    const risk = metricRisk(partials(values, 50), [0.999])!;
    assert.deepEqual(exactTailRisk(values, 0.999), { valueAtRisk: -worst, expectedShortfall: -worst });
    assert.equal(risk.var['0.999'], -worst);
    assert.equal(risk.es['0.999'], -worst);
  }
});

test('no values: no risk figures', () => {
  assert.equal(metricRisk(partials([], 10), [0.99]), undefined);
  assert.equal(metricRisk([new MetricAccumulator().toPartial()], [0.99]), undefined);
});
