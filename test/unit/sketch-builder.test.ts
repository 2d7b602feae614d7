/**
 * The worker's sketch builder bins exactly as the library's DDSketch does: the
 * same sparse encoding for the same values, whatever their order and sign.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSketch, encodeSketch, mergeEncodedSketch, SketchBuilder } from '../../shared/stats/sketch.ts';

function bothWays(values: readonly number[]) {
  const reference = createSketch();
  const builder = new SketchBuilder();
  for (const v of values) {
    reference.accept(v);
    builder.accept(v);
  }
  return { expected: encodeSketch(reference), actual: builder.encode() };
}

test("sketch builder: same bins as DDSketch for mixed signs, zeros (and values below the mapping's floor), twelve decades", () => {
  let state = 42;
  // biome-ignore lint/suspicious/noAssignInExpressions: a seeded PRNG step, so the inputs are the same on every run
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const values: number[] = [0, -0, 5e-324, -5e-324, 1e-9, -1e-9, 1e9, -1e9, 1, -1];
  for (let i = 0; i < 20_000; i++) values.push((random() - 0.4) * 10 ** Math.floor(random() * 12 - 6));
  const { expected, actual } = bothWays(values);
  assert.deepEqual(actual, expected);
});

test('sketch builder: a decreasing sweep (the grid case) bins the same', () => {
  const values = Array.from({ length: 50_000 }, (_, i) => 100 * Math.exp(-i / 5000));
  const { expected, actual } = bothWays(values);
  assert.deepEqual(actual, expected);
});

test('sketch builder: empty', () => {
  assert.deepEqual(new SketchBuilder().encode(), { p: [], n: [], z: 0 });
});

test('merging encoded sketches gives the bins of one sketch of all the values, for parts wide apart and overlapping', () => {
  // Parts like a grid's price shards: some reach 1e-143, some stay near 60; each bin range differs.
  const parts = Array.from({ length: 12 }, (_, k) =>
    Array.from({ length: 3000 }, (_, i) => (k % 3 === 0 ? 10 ** (-140 + (i % 150)) : 60 * Math.exp(-i / (400 + 50 * k))) * (k % 4 === 1 ? -1 : 1)),
  );
  const whole = createSketch();
  const merged = createSketch();
  for (const part of parts) {
    const sketch = createSketch();
    for (const v of part) {
      sketch.accept(v);
      whole.accept(v);
    }
    mergeEncodedSketch(merged, encodeSketch(sketch));
  }
  assert.deepEqual(encodeSketch(merged), encodeSketch(whole));
  assert.equal(merged.count, whole.count);
  for (const q of [0, 0.01, 0.5, 0.99, 1]) assert.equal(merged.getValueAtQuantile(q), whole.getValueAtQuantile(q), `q${q}`);
});

test('merging a one-bin and an empty encoded sketch', () => {
  const merged = createSketch();
  mergeEncodedSketch(merged, { p: [], n: [], z: 0 });
  mergeEncodedSketch(merged, { p: [7, 3], n: [], z: 2 });
  assert.deepEqual(encodeSketch(merged), { p: [7, 3], n: [], z: 2 });
  assert.equal(merged.count, 5);
});
