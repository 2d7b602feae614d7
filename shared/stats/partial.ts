/**
 * Mergeable statistics (DESIGN invariant 5): each shard returns a small partial
 * per metric (count, mean, M2, min, max, a DDSketch); the run's aggregate is the
 * merge of the partials in shard order, so it is bit-identical however the
 * shards were computed, duplicated or retried.
 */
import type { MetricHistogram } from './histogram.ts';
import { createSketch, mergeEncodedSketch, sketchQuantile, SketchBuilder, type EncodedSketch } from './sketch.ts';

/** The partial statistics of one metric over one shard. */
export interface MetricPartial {
  count: number;
  mean: number;
  /** Sum of squared deviations from the mean (Welford). */
  m2: number;
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
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly sketch = new SketchBuilder();

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count += 1;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sketch.accept(value);
  }

  toPartial(): MetricPartial {
    return {
      count: this.count,
      mean: this.mean,
      m2: this.m2,
      min: this.count ? this.min : 0,
      max: this.count ? this.max : 0,
      sketch: this.sketch.encode(),
    };
  }
}

/** Merges partials of one metric in the order given (shard order) into the run aggregate. */
export function mergeMetric(partials: readonly MetricPartial[], quantiles: readonly number[]): MetricAggregate {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let min = Infinity;
  let max = -Infinity;
  const sketch = createSketch();
  for (const p of partials) {
    if (p.count === 0) continue;
    // Chan et al.'s pairwise update: exact for any split, deterministic for a fixed order.
    const total = count + p.count;
    const delta = p.mean - mean;
    mean += (delta * p.count) / total;
    m2 += p.m2 + (delta * delta * count * p.count) / total;
    count = total;
    if (p.min < min) min = p.min;
    if (p.max > max) max = p.max;
    mergeEncodedSketch(sketch, p.sketch);
  }
  const result: MetricAggregate = {
    count,
    mean: count ? mean : 0,
    stddev: count > 1 ? Math.sqrt(m2 / (count - 1)) : 0,
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
