import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, lowerTransposeTimes } from '../../../jobs/kernels/linear-algebra.ts';

const matrix = (rows: number[][]) => Float64Array.from(rows.flat());

test('the Cholesky factor of a textbook matrix is exact', () => {
  // A = L·Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]] (the classic example of the method).
  const result = cholesky(
    matrix([
      [4, 12, -16],
      [12, 37, -43],
      [-16, -43, 98],
    ]),
    3,
  );
  assert.ok(result.ok);
  assert.deepEqual([...result.lower], [2, 0, 0, 6, 1, 0, -8, 5, 3]);
});

test('L·Lᵀ reproduces a 30×30 correlation matrix to 1e-14', () => {
  const n = 30;
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => 0.9 ** Math.abs(i - j)));
  const result = cholesky(matrix(rows), n);
  assert.ok(result.ok);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      let product = 0;
      for (let k = 0; k < n; k += 1) product += result.lower[i * n + k]! * result.lower[j * n + k]!;
      assert.ok(Math.abs(product - rows[i]![j]!) <= 1e-14, `(${i}, ${j}): ${product}`);
      if (j > i) assert.equal(result.lower[i * n + j], 0);
    }
  }
});

const NOT_POSITIVE_DEFINITE: ReadonlyArray<readonly [label: string, rows: number[][], pivot: number, value: number]> = [
  [
    'perfect correlation (semi-definite)',
    [
      [1, 1],
      [1, 1],
    ],
    2,
    0,
  ],
  [
    'correlations that contradict each other',
    [
      [1, 0.9, -0.9],
      [0.9, 1, 0.9],
      [-0.9, 0.9, 1],
    ],
    3,
    (0.19 ** 2 - 1.71 ** 2) / 0.19,
  ], // 0.19 − 1.71²/0.19 = −15.2
  ['a negative diagonal', [[-1]], 1, -1],
  [
    'a NaN',
    [
      [1, Number.NaN],
      [Number.NaN, 1],
    ],
    2,
    Number.NaN,
  ],
];

for (const [label, rows, pivot, value] of NOT_POSITIVE_DEFINITE) {
  test(`Cholesky reports the first failing pivot: ${label}`, () => {
    const result = cholesky(matrix(rows), rows.length);
    assert.ok(!result.ok);
    assert.equal(result.pivot, pivot);
    if (Number.isNaN(value)) assert.ok(Number.isNaN(result.value));
    else assert.ok(Math.abs(result.value - value) <= 1e-12, `${result.value}`);
  });
}

test('Cholesky reads only the lower triangle', () => {
  const lowerOnly = cholesky(
    matrix([
      [1, 99],
      [0.5, 1],
    ]),
    2,
  );
  const symmetric = cholesky(
    matrix([
      [1, 0.5],
      [0.5, 1],
    ]),
    2,
  );
  assert.ok(lowerOnly.ok && symmetric.ok);
  assert.deepEqual(lowerOnly.lower, symmetric.lower);
});

test('Lᵀ·x sums down the columns of L', () => {
  const lower = matrix([
    [2, 0, 0],
    [6, 1, 0],
    [-8, 5, 3],
  ]);
  assert.deepEqual([...lowerTransposeTimes(lower, Float64Array.of(1, 2, 3))], [2 + 12 - 24, 2 + 15, 9]);
});

test('sizes that do not match are refused', () => {
  assert.throws(() => cholesky(new Float64Array(5), 2), RangeError);
  assert.throws(() => lowerTransposeTimes(new Float64Array(4), new Float64Array(3)), RangeError);
});
