/**
 * The worker's sketch builder bins exactly as the library's DDSketch does: the
 * same sparse encoding for the same values, whatever their order and sign.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSketch, encodeSketch, SketchBuilder } from '../../shared/stats/sketch.ts';

function bothWays(values: readonly number[]) {
  const reference = createSketch();
  const builder = new SketchBuilder();
  for (const v of values) {
    reference.accept(v);
    builder.accept(v);
  }
  return { expected: encodeSketch(reference), actual: builder.encode() };
}

test('sketch builder: same bins as DDSketch for mixed signs, zeros (and values below the mapping\'s floor), twelve decades', () => {
  let state = 42;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
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
