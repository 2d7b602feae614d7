import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalCdf, normalPdf } from '../../../jobs/kernels/normal.ts';

// Reference values: mpmath 1.3 `ncdf`/`npdf` at 30 significant digits, rounded to 20.
// They cover each of Cody's three ranges (|x| <= 0.674, <= √32, beyond) and deep tails,
// where N(-x) must keep its relative accuracy (it is not computed as 1 - N(x)).
const CDF_CASES: ReadonlyArray<readonly [x: number, expected: number]> = [
  [0, 0.5],
  [0.25, 0.59870632568292372424],
  [0.5, 0.69146246127401310364],
  [-0.5, 0.30853753872598689636],
  [-0.674489750196, 0.25000000000002597829],
  [0.8, 0.78814460141660332729],
  [1, 0.84134474606854294859],
  [-1, 0.15865525393145705141],
  [1.96, 0.97500210485177956379],
  [-1.96, 0.024997895148220436213],
  [2, 0.9772498680518207928],
  [-2.5, 0.006209665325776135167],
  [3, 0.99865010196836990547],
  [-3, 0.0013498980316300945267],
  [4, 0.99996832875816688008],
  [-5, 2.8665157187919391167e-7],
  [5.6, 0.99999998928240974169],
  [-6, 9.865876450376981407e-10],
  [-8, 6.2209605742717841235e-16],
  [-10, 7.619853024160526066e-24],
  [-20, 2.7536241186062336951e-89],
  [-37, 5.7255712225245768227e-300],
];

for (const [x, expected] of CDF_CASES) {
  test(`normalCdf(${x}) = ${expected} to 1e-14 relative`, () => {
    const got = normalCdf(x);
    assert.ok(Math.abs(got - expected) <= 1e-14 * expected, `got ${got}, relative error ${Math.abs(got - expected) / expected}`);
  });
}

const PDF_CASES: ReadonlyArray<readonly [x: number, expected: number]> = [
  [0, 0.39894228040143267794],
  [1, 0.2419707245191433498],
  [-1.96, 0.058440944333451464389],
  [3, 0.0044318484119380071756],
  [-8, 5.052271083536892288e-15],
];

for (const [x, expected] of PDF_CASES) {
  test(`normalPdf(${x}) = ${expected} to 1e-14 relative`, () => {
    const got = normalPdf(x);
    assert.ok(Math.abs(got - expected) <= 1e-14 * expected, `got ${got}`);
  });
}

test('normalCdf is symmetric, N(x) + N(-x) = 1, across the three approximation ranges', () => {
  for (let x = 0; x <= 8; x += 0.01) {
    assert.ok(Math.abs(normalCdf(x) + normalCdf(-x) - 1) <= 2.3e-16, `x = ${x}`);
  }
});

test('normalCdf is non-decreasing across the range breakpoints', () => {
  let previous = 0;
  for (let x = -10; x <= 10; x += 1 / 1024) {
    const value = normalCdf(x);
    assert.ok(value >= previous, `N(${x}) = ${value} < ${previous}`);
    previous = value;
  }
});

const EDGE_CASES: ReadonlyArray<readonly [x: number, expected: number]> = [
  [Number.POSITIVE_INFINITY, 1],
  [Number.NEGATIVE_INFINITY, 0],
  [40, 1],
  [-40, 0],
  [Number.NaN, Number.NaN],
];

for (const [x, expected] of EDGE_CASES) {
  test(`normalCdf(${x}) is ${expected}`, () => {
    assert.ok(Object.is(normalCdf(x), expected));
  });
}

test('normalPdf vanishes at ±Infinity and propagates NaN', () => {
  assert.equal(normalPdf(Number.POSITIVE_INFINITY), 0);
  assert.equal(normalPdf(Number.NEGATIVE_INFINITY), 0);
  assert.ok(Number.isNaN(normalPdf(Number.NaN)));
});
