/** Mergeable statistics: merging shard partials matches one pass, in any split, deterministically. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricAccumulator, mergeMetric } from '../../shared/stats/partial.ts';
import { SKETCH_RELATIVE_ACCURACY } from '../../shared/stats/sketch.ts';

const values = Array.from({ length: 5000 }, (_, i) => ((Math.sin(i * 12.9898) * 43758.5453) % 100) - 20);

function partials(chunk: number) {
  const out = [];
  for (let i = 0; i < values.length; i += chunk) {
    const acc = new MetricAccumulator();
    for (const v of values.slice(i, i + chunk)) acc.add(v);
    out.push(JSON.parse(JSON.stringify(acc.toPartial())));
  }
  return out;
}

test('merged moments match a single pass whatever the shard size', () => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  for (const chunk of [1, 7, 1000, 5000]) {
    const m = mergeMetric(partials(chunk), [0.5]);
    assert.equal(m.count, 5000);
    assert.ok(Math.abs(m.mean - mean) < 1e-9, `mean at chunk ${chunk}`);
    assert.ok(Math.abs(m.stddev - sd) < 1e-9, `sd at chunk ${chunk}`);
    assert.equal(m.min, Math.min(...values));
    assert.equal(m.max, Math.max(...values));
  }
});

test('quantiles are within the sketch accuracy of the exact order statistics, positive and negative', () => {
  const sorted = [...values].sort((a, b) => a - b);
  const m = mergeMetric(partials(333), [0.01, 0.05, 0.5, 0.95, 0.99]);
  for (const q of [0.01, 0.05, 0.5, 0.95, 0.99]) {
    const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
    const got = m.quantiles[String(q)]!;
    assert.ok(Math.abs(got - exact) <= SKETCH_RELATIVE_ACCURACY * Math.abs(exact) + 1e-12, `q${q}: ${got} vs ${exact}`);
  }
});

test('the same partials in the same order give bit-identical aggregates', () => {
  assert.deepEqual(JSON.stringify(mergeMetric(partials(100), [0.5, 0.99])), JSON.stringify(mergeMetric(partials(100), [0.5, 0.99])));
});
