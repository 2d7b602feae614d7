/**
 * Run-level value at risk and expected shortfall of a P&L metric, read from the
 * merged DDSketch of the shard partials (O(shards), never the full results), and
 * the exact figures from every value (the reference the sketch is tested against).
 *
 * Convention, at confidence c over n P&L values x_(1) ≤ … ≤ x_(n), with tail mass
 * m = n·(1 − c) (snapped to an integer within 1e-9, see {@link tailMass}) and
 * k = ⌈m⌉ (at least 1):
 *   VaR_c = −x_(k)                                     (the lower empirical (1 − c)-quantile)
 *   ES_c  = −(1/m)·[Σ_{i ≤ ⌊m⌋} x_(i) + (m − ⌊m⌋)·x_(⌊m⌋+1)]   (Acerbi & Tasche 2002)
 * ES is the mean of the worst m values when m is whole, and otherwise weighs the
 * worst ⌊m⌋ fully and x_(k) by the fraction left, so ties at the boundary count
 * only as far as the tail mass reaches (unlike "mean of all x ≤ VaR").
 *
 * The sketch answer replaces every value by its bin's representative r with
 * |r − x| ≤ α|x| and the same sign (α = SKETCH_RELATIVE_ACCURACY), and bins sort like
 * the values, so the same weights fall on the same ranks. Hence
 *   |VaR_s − VaR| ≤ α·|VaR|,
 *   |ES_s − ES|   ≤ α·(1/m)·Σ w_i·|x_(i)|,
 * which is α·|ES| whenever the tail x_(1..k) has one sign: in particular whenever
 * VaR_c ≥ 0 (the (1 − c)-quantile is a loss, so every tail value is). A tail that
 * straddles zero only has the absolute bound.
 */
import type { DDSketch } from '@datadog/sketches-js';
import type { MetricPartial } from './partial.ts';
import { createSketch, mergeEncodedSketch, SKETCH_RELATIVE_ACCURACY } from './sketch.ts';

/** The metric run-level VaR and ES are taken over (`aggregate.expectedShortfall`). */
export const PNL_METRIC = 'pnl';

/** VaR and ES at one level, positive when the tail loses money. */
export interface TailRisk {
  valueAtRisk: number;
  expectedShortfall: number;
}

/** Run-level risk of a P&L metric, as stored on the run document (`risk.<metric>`). */
export interface MetricRisk {
  /** P&L values the figures cover (failed parameter sets have none). */
  count: number;
  /** VaR keyed by the confidence level as written in the manifest, e.g. "0.99". */
  var: Record<string, number>;
  /** Expected shortfall, keyed like `var`. */
  es: Record<string, number>;
  /** α of the sketch the figures come from (see the bound above). */
  relativeAccuracy: number;
}

/** Relative distance from an integer below which n·(1 − c) counts as that integer. */
const INTEGER_TOLERANCE = 1e-9;

/**
 * m = n·(1 − c), the tail mass, snapped to the nearest integer when within 1e-9
 * (relative): 1 − 0.99 is 0.010000000000000009 in binary, and 1,000,000 values at
 * 99% must give a tail of exactly 10,000, not 10,000 and a sliver of the next value.
 */
export function tailMass(samples: number, confidence: number): number {
  const exact = samples * (1 - confidence);
  const nearest = Math.round(exact);
  return Math.abs(exact - nearest) <= INTEGER_TOLERANCE * exact ? nearest : exact;
}

/** Exact VaR and ES of `values` at `confidence` (sorts a copy; the values must be finite). */
export function exactTailRisk(values: ArrayLike<number>, confidence: number): TailRisk {
  if (values.length === 0) throw new RangeError('no values');
  const sorted = Float64Array.from(values).sort();
  return tailOfBins(sorted.length, confidence, (visit) => {
    for (const x of sorted) if (!visit(x, 1)) return;
  });
}

/**
 * VaR and ES at `confidence` from a sketch, each bin's representative clamped to the
 * exact [min, max] and the lowest value taken as the exact min (the extremes are known
 * exactly; both only move a representative toward the value it stands for).
 */
export function sketchTailRisk(sketch: DDSketch, confidence: number, range: { min: number; max: number }): TailRisk {
  if (sketch.count === 0) throw new RangeError('empty sketch');
  const clamp = (x: number) => Math.min(range.max, Math.max(range.min, x));
  const { mapping, store, negativeStore } = sketch;
  return tailOfBins(sketch.count, confidence, (ascending) => {
    // The lowest bin's first value is the minimum, known exactly: a tail of one value is exact.
    let first = true;
    const visit = (value: number, count: number): boolean => {
      if (!first) return ascending(value, count);
      first = false;
      return ascending(range.min, 1) && (count === 1 || ascending(value, count - 1));
    };
    // Ascending values: the negative store from its largest magnitude down, zeros, then the positive store.
    for (let i = negativeStore.bins.length - 1; i >= 0; i--) {
      const count = negativeStore.bins[i]!;
      if (count > 0 && !visit(clamp(-mapping.value(i + negativeStore.offset)), count)) return;
    }
    if (sketch.zeroCount > 0 && !visit(clamp(0), sketch.zeroCount)) return;
    for (let i = 0; i < store.bins.length; i++) {
      const count = store.bins[i]!;
      if (count > 0 && !visit(clamp(mapping.value(i + store.offset)), count)) return;
    }
  });
}

/**
 * Run-level risk of one metric from its shard partials (in shard order) at each
 * confidence level; undefined when no value was recorded.
 */
export function metricRisk(partials: readonly MetricPartial[], levels: readonly number[]): MetricRisk | undefined {
  const sketch = createSketch();
  let min = Infinity;
  let max = -Infinity;
  for (const p of partials) {
    if (p.count === 0) continue;
    mergeEncodedSketch(sketch, p.sketch);
    min = Math.min(min, p.min);
    max = Math.max(max, p.max);
  }
  if (sketch.count === 0) return undefined;
  const risk: MetricRisk = { count: sketch.count, var: {}, es: {}, relativeAccuracy: SKETCH_RELATIVE_ACCURACY };
  for (const level of levels) {
    const { valueAtRisk, expectedShortfall } = sketchTailRisk(sketch, level, { min, max });
    risk.var[String(level)] = valueAtRisk;
    risk.es[String(level)] = expectedShortfall;
  }
  return risk;
}

/** Visits (value, count) runs in ascending value order; the visitor returns false to stop. */
type AscendingRuns = (visit: (value: number, count: number) => boolean) => void;

/** The Acerbi–Tasche tail of `n` values given as ascending runs (see the module comment). */
function tailOfBins(n: number, confidence: number, runs: AscendingRuns): TailRisk {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1) (got ${confidence})`);
  const mass = Math.min(n, tailMass(n, confidence));
  const k = Math.min(n, Math.max(1, Math.ceil(mass)));
  let taken = 0;
  let seen = 0;
  let sum = 0;
  let quantile = NaN;
  runs((value, count) => {
    const take = Math.min(count, mass - taken);
    if (take > 0) {
      sum += take * value;
      taken += take;
    }
    seen += count;
    if (seen >= k) {
      quantile = value;
      return false;
    }
    return true;
  });
  // m < 1 (few values, high confidence): the whole tail is x_(1), so ES = VaR = −x_(1).
  const expectedShortfall = mass > 0 ? sum / mass : quantile;
  // 0 − x, not −x: a flat portfolio reports 0, never −0.
  return { valueAtRisk: 0 - quantile, expectedShortfall: 0 - expectedShortfall };
}
