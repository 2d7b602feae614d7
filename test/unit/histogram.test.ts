/** The run histogram drawn from the merged sketch: close to the exact one, integer, deterministic. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HISTOGRAM_BINS, metricHistogram } from '../../shared/stats/histogram.ts';
import { MetricAccumulator, mergeMetric, type MetricPartial } from '../../shared/stats/partial.ts';

/** Deterministic values: a skewed positive bulk, some negatives and a few exact zeros. */
const values = Array.from({ length: 6000 }, (_, i) => {
  const u = (Math.sin(i * 12.9898) * 43758.5453) % 1;
  if (i % 500 === 0) return 0;
  return i % 7 === 0 ? -Math.abs(u) * 3 : Math.exp(Math.abs(u) * 3);
});

function partials(values: readonly number[], chunk: number): MetricPartial[] {
  const out: MetricPartial[] = [];
  for (let i = 0; i < values.length; i += chunk) {
    const acc = new MetricAccumulator();
    for (const v of values.slice(i, i + chunk)) acc.add(v);
    out.push(JSON.parse(JSON.stringify(acc.toPartial())) as MetricPartial);
  }
  return out;
}

function exactCounts(values: readonly number[], edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const width = (edges[bins]! - edges[0]!) / bins;
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - edges[0]!) / width))]! += 1;
  return counts;
}

test('bins span the exact min and max, counts are integers adding up to the count', () => {
  const p = partials(values, 250);
  const merged = mergeMetric(p, [0.5]);
  const h = metricHistogram(p, merged)!;
  assert.equal(h.counts.length, HISTOGRAM_BINS);
  assert.equal(h.edges.length, HISTOGRAM_BINS + 1);
  assert.equal(h.edges[0], Math.min(...values));
  assert.equal(h.edges[HISTOGRAM_BINS], Math.max(...values));
  assert.ok(h.counts.every((c) => Number.isInteger(c) && c >= 0));
  assert.equal(
    h.counts.reduce((a, b) => a + b, 0),
    values.length,
  );
});

test('the shape matches the exact histogram of the values (negatives and zeros included)', () => {
  const p = partials(values, 333);
  const h = metricHistogram(p, mergeMetric(p, []))!;
  const exact = exactCounts(values, h.edges);
  // Total variation distance: the share of values the sketch puts in another bin than the exact one.
  const moved = h.counts.reduce((t, c, i) => t + Math.abs(c - exact[i]!), 0) / 2 / values.length;
  assert.ok(moved < 0.02, `total variation ${moved}`);
  const zeroBin = Math.floor((0 - h.edges[0]!) / (h.edges[1]! - h.edges[0]!));
  assert.ok(h.counts[zeroBin]! >= exact[zeroBin]! * 0.9, 'the zeros land in their bin');
});

test('the same histogram whatever the shard size (it is a function of the merged sketch)', () => {
  const of = (chunk: number) => {
    const p = partials(values, chunk);
    return JSON.stringify(metricHistogram(p, mergeMetric(p, [])));
  };
  assert.equal(of(1), of(6000));
  assert.equal(of(17), of(1000));
});

test('no values: no histogram; one distinct value: one bin holding them all', () => {
  assert.equal(metricHistogram(partials([], 10), { min: 0, max: 0 }), undefined);
  const same = partials([2.5, 2.5, 2.5], 2);
  assert.deepEqual(metricHistogram(same, mergeMetric(same, [])), { edges: [2.5, 2.5], counts: [3] });
});

test('mergeMetric itself is unchanged: no histogram field in its output', () => {
  const p = partials(values, 100);
  assert.equal('histogram' in mergeMetric(p, [0.5]), false);
});
