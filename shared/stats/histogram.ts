/**
 * A compact histogram of one metric over a run, drawn from the merged DDSketch
 * of its shard partials (what the dashboard plots): fixed-width bins between the
 * exact minimum and maximum, each sketch bin's count spread uniformly over the
 * value interval it stands for, then rounded so the counts are integers that add
 * up to the metric's count. A pure function of the merged sketch, so as
 * deterministic as the quantiles.
 */
import type { DDSketch } from '@datadog/sketches-js';
import type { MetricPartial } from './partial.ts';
import { createSketch, mergeEncodedSketch } from './sketch.ts';

/** Bins of a run's histogram: fine enough to show a shape, small enough for the run document. */
export const HISTOGRAM_BINS = 50;

/** `counts[i]` values fell in [`edges[i]`, `edges[i + 1]`) (the last bin includes its upper edge). */
export interface MetricHistogram {
  edges: number[];
  counts: number[];
}

/** The histogram of a metric from its shard partials, or undefined when it has no values. */
export function metricHistogram(partials: readonly MetricPartial[], range: { min: number; max: number }, bins = HISTOGRAM_BINS): MetricHistogram | undefined {
  const sketch = createSketch();
  for (const p of partials) if (p.count > 0) mergeEncodedSketch(sketch, p.sketch);
  return sketchHistogram(sketch, range.min, range.max, bins);
}

/** The histogram of a sketch's values in `bins` equal bins over [min, max] (the exact extremes). */
export function sketchHistogram(sketch: DDSketch, min: number, max: number, bins = HISTOGRAM_BINS): MetricHistogram | undefined {
  if (sketch.count === 0) return undefined;
  if (!(max > min)) return { edges: [min, max], counts: [sketch.count] };
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
  const mass = new Array<number>(bins).fill(0);
  const binOf = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor((v - min) / width)));
  const spread = (low: number, high: number, count: number) => {
    const a = Math.min(max, Math.max(min, low));
    const b = Math.min(max, Math.max(min, high));
    if (!(b > a)) {
      mass[binOf(a)]! += count;
      return;
    }
    for (let i = binOf(a); i <= binOf(b); i++) {
      const overlap = Math.min(b, edges[i + 1]!) - Math.max(a, edges[i]!);
      if (overlap > 0) mass[i]! += (count * overlap) / (b - a);
    }
  };
  // A key's bin holds (upper / gamma, upper], where upper = value(key) * (1 + gamma) / 2.
  const { gamma } = sketch.mapping;
  const visit = (store: DDSketch['store'], sign: 1 | -1) =>
    store.bins.forEach((count, i) => {
      if (count <= 0) return;
      const upper = (sketch.mapping.value(i + store.offset) * (1 + gamma)) / 2;
      if (sign > 0) spread(upper / gamma, upper, count);
      else spread(-upper, -upper / gamma, count);
    });
  visit(sketch.store, 1);
  visit(sketch.negativeStore, -1);
  if (sketch.zeroCount > 0) spread(0, 0, sketch.zeroCount);
  // Round the running total, not each bin: integer counts that still add up to the sketch's count.
  const counts: number[] = [];
  let running = 0;
  let rounded = 0;
  for (const m of mass) {
    running += m;
    const next = Math.round(running);
    counts.push(next - rounded);
    rounded = next;
  }
  return { edges, counts };
}
