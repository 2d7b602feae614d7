/**
 * Mergeable statistics (DESIGN invariant 5): each shard returns a small partial
 * per metric (count, exact sums, min, max, a DDSketch); the run's aggregate is
 * their merge. Every part merges exactly (big-integer sums, integer bin counts,
 * min and max), so the aggregate is a function of the run's values alone:
 * byte-identical whatever the shard size, cluster split, retries or the order the
 * partials are merged in (test/integration/stats/exact-aggregates.test.ts).
 */
import { encodeExactSums, exactMoments, mergeExactSums, type EncodedExactSums } from './exact-moments.ts';
import { ExactMomentSums } from './exact-sum.ts';
import type { MetricHistogram } from './histogram.ts';
import { createSketch, mergeEncodedSketch, sketchQuantile, SketchBuilder, type EncodedSketch } from './sketch.ts';

/** The partial statistics of one metric over one shard. */
export interface MetricPartial {
  count: number;
  /** Mean of the shard's values (rounded from `exact`; read by aggregates older than `exact`). */
  mean: number;
  /** Sum of squared deviations from the mean (likewise). */
  m2: number;
  /**
   * Exact Σx and Σx² (exact-moments.ts). Absent in partials written before it: a
   * metric with such a partial is merged the old way (Chan et al., in shard order).
   */
  exact?: EncodedExactSums;
  min: number;
  max: number;
  /** Quantile sketch of the values. */
  sketch: EncodedSketch;
}

/** The aggregate of one metric over a run, as stored on the run document. */
export interface MetricAggregate {
  count: number;
  mean: number;
  /** Sample standard deviation (n - 1). */
  stddev: number;
  min: number;
  max: number;
  /** Keyed by the level as written in the manifest, e.g. "0.01". */
  quantiles: Record<string, number>;
  /** Distribution of the values from the merged sketch (aggregate adds it; see histogram.ts). */
  histogram?: MetricHistogram;
}

/** Accumulates one metric over a shard. */
export class MetricAccumulator {
  private count = 0;
  private readonly sums = new ExactMomentSums();
  private min = Infinity;
  private max = -Infinity;
  private readonly sketch = new SketchBuilder();

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count += 1;
    this.sums.add(value);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sketch.accept(value);
  }

  toPartial(): MetricPartial {
    const exact = encodeExactSums(this.sums);
    const merged = mergeExactSums([{ count: this.count, exact }]);
    const { mean, m2 } = merged ? exactMoments(merged) : { mean: NaN, m2: NaN };
    return {
      count: this.count,
      mean,
      m2,
      exact,
      min: this.count ? this.min : 0,
      max: this.count ? this.max : 0,
      sketch: this.sketch.encode(),
    };
  }
}

/**
 * Merges partials of one metric into the run aggregate. With exact sums in every
 * partial the result does not depend on their order; otherwise (a partial from an
 * older worker, or sums that do not decode) mean and standard deviation are merged in
 * the order given (shard order), deterministic but split-dependent.
 */
export function mergeMetric(partials: readonly MetricPartial[], quantiles: readonly number[]): MetricAggregate {
  const present = partials.filter((p) => p.count > 0);
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  const sketch = createSketch();
  for (const p of present) {
    count += p.count;
    if (p.min < min) min = p.min;
    if (p.max > max) max = p.max;
    mergeEncodedSketch(sketch, p.sketch);
  }
  const { mean, stddev } = mergedMoments(present);
  const result: MetricAggregate = {
    count,
    mean: count ? mean : 0,
    stddev: count > 1 ? stddev : 0,
    min: count ? min : 0,
    max: count ? max : 0,
    quantiles: {},
  };
  for (const q of quantiles) {
    // The sketch answers within its relative accuracy; clamp to the exact extremes it cannot know.
    result.quantiles[String(q)] = count ? Math.min(max, Math.max(min, sketchQuantile(sketch, q))) : 0;
  }
  return result;
}

/** Mean and sample standard deviation of the partials (all with values): exact when they carry exact sums. */
function mergedMoments(partials: readonly MetricPartial[]): { mean: number; stddev: number } {
  const withSums = partials.filter((p): p is MetricPartial & { exact: EncodedExactSums } => p.exact !== undefined);
  const merged = withSums.length === partials.length ? mergeExactSums(withSums) : undefined;
  if (merged) return exactMoments(merged);
  // Chan et al.'s pairwise update, in the order given.
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (const p of partials) {
    const total = count + p.count;
    const delta = p.mean - mean;
    mean += (delta * p.count) / total;
    m2 += p.m2 + (delta * delta * count * p.count) / total;
    count = total;
  }
  return { mean, stddev: count > 1 ? Math.sqrt(m2 / (count - 1)) : 0 };
}

/**
 * The metric names of shard partials given in shard order, each once, in order of
 * first appearance. Each partial lists its metrics in the order its shard first met
 * them, so this is their order of first appearance in parameter index order: the
 * same whatever the shard size.
 */
export function metricUnion(partials: readonly { metrics: Readonly<Record<string, unknown>> }[]): string[] {
  const names = new Set<string>();
  for (const partial of partials) for (const name of Object.keys(partial.metrics)) names.add(name);
  return [...names];
}
