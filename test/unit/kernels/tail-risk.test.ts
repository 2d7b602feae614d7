import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectInPlace, tailCount, tailRisk } from '../../../jobs/kernels/tail-risk.ts';
import { streamFor } from '../../../jobs/kernels/rng.ts';

const TAIL_COUNTS: ReadonlyArray<readonly [samples: number, confidence: number, k: number]> = [
  [1_000_000, 0.99, 10_000], // 1 − 0.99 is 0.010000000000000009 in binary: still 10,000
  [100_000, 0.99, 1000],
  [100_000, 0.975, 2500],
  [100_000, 0.95, 5000],
  [100, 0.99, 1],
  [150, 0.99, 2], // 1.5 rounds up
  [100, 0.999999, 1], // never fewer than one sample
  [100, 1e-9, 100], // never more than all of them
  [1000, 0.9, 100],
  [3, 0.5, 2],
];

for (const [samples, confidence, k] of TAIL_COUNTS) {
  test(`tailCount(${samples}, ${confidence}) is ${k}`, () => {
    assert.equal(tailCount(samples, confidence), k);
  });
}

function randomValues(count: number, index: number, distinct: number): Float64Array {
  const stream = streamFor(17, index);
  return Float64Array.from({ length: count }, () => Math.floor(stream.nextDouble() * distinct) - distinct / 2);
}

const SELECTIONS: ReadonlyArray<readonly [label: string, values: Float64Array]> = [
  ['distinct random values', randomValues(10_001, 0, 2 ** 40)],
  ['many ties', randomValues(5000, 1, 7)],
  ['all equal', new Float64Array(1000).fill(3)],
  ['already sorted', Float64Array.from({ length: 2000 }, (_, i) => i)],
  ['reverse sorted', Float64Array.from({ length: 2000 }, (_, i) => -i)],
  ['one value', Float64Array.of(-2)],
  ['two values', Float64Array.of(5, -5)],
];

for (const [label, values] of SELECTIONS) {
  test(`selectInPlace finds the k-th smallest and partitions around it: ${label}`, () => {
    const sorted = Float64Array.from(values).sort();
    for (const k of new Set([0, 1, Math.floor(values.length / 100), values.length >> 1, values.length - 1].filter((k) => k < values.length))) {
      const work = Float64Array.from(values);
      assert.equal(selectInPlace(work, k), sorted[k]);
      for (let i = 0; i < work.length; i += 1) {
        if (i < k) assert.ok(work[i]! <= work[k]!, `index ${i} before ${k}`);
        if (i > k) assert.ok(work[i]! >= work[k]!, `index ${i} after ${k}`);
      }
      assert.deepEqual(work.sort(), sorted, 'a permutation of the input');
    }
  });
}

test('selectInPlace refuses an index outside the values', () => {
  assert.throws(() => selectInPlace(new Float64Array(3), 3), RangeError);
  assert.throws(() => selectInPlace(new Float64Array(3), -1), RangeError);
  assert.throws(() => selectInPlace(new Float64Array(0), 0), RangeError);
});

test('VaR is minus the k-th smallest P&L and ES minus the mean of the k smallest', () => {
  // 200 samples at 99%: k = 2, the two worst outcomes are -50 and -30.
  const pnl = Float64Array.from({ length: 200 }, (_, i) => i - 20);
  pnl[7] = -50;
  pnl[150] = -30;
  assert.deepEqual(tailRisk(pnl, 0.99), { valueAtRisk: 30, expectedShortfall: 40 });
});

test('ES averages every P&L tied with the quantile', () => {
  // k = 1 at 99% of 100, but three samples equal the worst value -10 and one is lower.
  const pnl = Float64Array.from({ length: 100 }, (_, i) => i);
  pnl[3] = -10;
  pnl[4] = -10;
  pnl[5] = -10;
  pnl[6] = -14;
  assert.deepEqual(tailRisk(pnl, 0.99), { valueAtRisk: 14, expectedShortfall: 14 });
  assert.deepEqual(tailRisk(pnl, 0.98), { valueAtRisk: 10, expectedShortfall: (14 + 30) / 4 });
});

test('a tail that makes money reports negative VaR and ES, and no loss is 0, never -0', () => {
  assert.deepEqual(
    tailRisk(
      Float64Array.from({ length: 100 }, (_, i) => 5 + i),
      0.99,
    ),
    { valueAtRisk: -5, expectedShortfall: -5 },
  );
  const flat = tailRisk(new Float64Array(100), 0.99);
  assert.ok(Object.is(flat.valueAtRisk, 0) && Object.is(flat.expectedShortfall, 0));
});
