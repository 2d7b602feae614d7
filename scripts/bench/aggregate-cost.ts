/**
 * What exact aggregates cost per row: the worker's per-metric statistics
 * (MetricAccumulator: exact Σx and Σx², min, max, sketch) against the kernel work of
 * the same row, on `black-scholes` rows (six outputs each, the cheapest kernel per
 * row, so the share is the largest any built-in kernel sees). The floating-point
 * moments the exact sums replaced (Welford's update) are timed beside them.
 */
import { blackScholesValues } from '../../jobs/kernels/black-scholes.ts';
import type { OptionParameters } from '../../jobs/kernels/option-parameters.ts';
import { ExactMomentSums } from '../../shared/stats/exact-sum.ts';
import { MetricAccumulator } from '../../shared/stats/partial.ts';
import { median } from './measure.ts';

/** Nanoseconds per value or row, medians over rounds. */
export interface AggregateCostFigures {
  rows: number;
  /** Black–Scholes price and five Greeks of one row. */
  blackScholesNsPerRow: number;
  /** MetricAccumulator.add: what the worker does per metric per row. */
  accumulatorNsPerValue: number;
  /** The exact sums alone (Σx, Σx²). */
  exactSumsNsPerValue: number;
  /** Welford's floating-point mean and M2, which the exact sums replaced. */
  floatMomentsNsPerValue: number;
  /** Statistics of the six outputs / (kernel + statistics) of a black-scholes row. */
  statisticsShareOfRow: number;
}

const OUTPUTS = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho'] as const;

/** Times the statistics of `rows` Black–Scholes rows over a wide random domain, `rounds` times. */
export function benchAggregateCost(options: { rows: number; rounds: number }): AggregateCostFigures {
  const { rows, rounds } = options;
  let seed = 42;
  // biome-ignore lint/suspicious/noAssignInExpressions: a seeded PRNG step, so the inputs are the same on every run
  const uniform = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const params: OptionParameters[] = Array.from({ length: rows }, () => ({
    type: uniform() < 0.5 ? 'call' : 'put',
    spot: 50 + 100 * uniform(),
    strike: 50 + 100 * uniform(),
    rate: -0.01 + 0.08 * uniform(),
    dividendYield: 0.04 * uniform(),
    volatility: 0.05 + 0.8 * uniform(),
    maturity: 0.05 + 5 * uniform(),
  }));
  const values = OUTPUTS.map(() => new Float64Array(rows));
  const kernel: number[] = [];
  const accumulator: number[] = [];
  const exact: number[] = [];
  const float: number[] = [];
  let sink = 0;
  for (let round = 0; round < rounds + 1; round++) {
    const warm = round > 0; // the first round warms V8 up and is not counted
    let started = performance.now();
    for (let i = 0; i < rows; i++) {
      const v = blackScholesValues(params[i]!);
      OUTPUTS.forEach((name, k) => {
        values[k]![i] = v[name];
      });
    }
    if (warm) kernel.push(((performance.now() - started) * 1e6) / rows);

    started = performance.now();
    for (const column of values) {
      const acc = new MetricAccumulator();
      for (let i = 0; i < rows; i++) acc.add(column[i]!);
      sink += acc.toPartial().count;
    }
    if (warm) accumulator.push(((performance.now() - started) * 1e6) / (rows * OUTPUTS.length));

    started = performance.now();
    for (const column of values) {
      const sums = new ExactMomentSums();
      for (let i = 0; i < rows; i++) sums.add(column[i]!);
      sink += Number(sums.sumValue() & 1n);
    }
    if (warm) exact.push(((performance.now() - started) * 1e6) / (rows * OUTPUTS.length));

    started = performance.now();
    for (const column of values) {
      let mean = 0;
      let m2 = 0;
      for (let i = 0; i < rows; i++) {
        const x = column[i]!;
        const delta = x - mean;
        mean += delta / (i + 1);
        m2 += delta * (x - mean);
      }
      sink += mean + m2;
    }
    if (warm) float.push(((performance.now() - started) * 1e6) / (rows * OUTPUTS.length));
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the timed loops from being optimized away');
  const perRow = median(kernel);
  const perValue = median(accumulator);
  return {
    rows,
    blackScholesNsPerRow: perRow,
    accumulatorNsPerValue: perValue,
    exactSumsNsPerValue: median(exact),
    floatMomentsNsPerValue: median(float),
    statisticsShareOfRow: (OUTPUTS.length * perValue) / (perRow + OUTPUTS.length * perValue),
  };
}
