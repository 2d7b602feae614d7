/** RowJson writes exactly what JSON.stringify writes, for every kind of row a worker produces. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RowJson } from '../../jobs/worker/row-json.ts';

const rows: Record<string, unknown>[] = [
  {
    index: 0,
    params: { type: 'call', spot: 100, strike: 42.5, rate: 0.05, dividendYield: 0, volatility: 0.2, maturity: 1 },
    price: 7.123456789012345,
    delta: -0,
  },
  { index: 1, params: { positions: [{ value: 1e7, dailyVolatility: 0.02 }], correlation: [[1]], horizonDays: 10 }, var: 1468236.1, es: 1.7e21 },
  { index: 2, params: null, error: 'the line is not valid JSON: Unexpected token' },
  { index: 3, params: { 'quote"d': 'a\nb\u2028', big: 1e21, tiny: 5e-324, neg: -1.5e-7, nan: NaN, inf: Infinity, t: true, n: null, u: undefined }, error: 'x' },
  { index: 4, params: { type: 'put' }, price: 1, extra: undefined },
  { index: 5, params: [1, 2], price: 0 },
];

test('row JSON: identical to JSON.stringify, first use and cached', () => {
  const writer = new RowJson();
  for (let pass = 0; pass < 2; pass++) for (const row of rows) assert.equal(writer.row(row), JSON.stringify(row));
});

test('row JSON: random rows over many repeated and distinct values', () => {
  const writer = new RowJson();
  let s = 7;
  // biome-ignore lint/suspicious/noAssignInExpressions: a seeded PRNG step, so the inputs are the same on every run
  const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 5000; i++) {
    const row = {
      index: i,
      params: { type: r() < 0.5 ? 'call' : 'put', spot: 100, strike: Math.round(r() * 100) / 4, volatility: r(), maturity: -r() * 1e-9 },
      price: r() * 1e6,
      delta: r() - 0.5,
    };
    assert.equal(writer.row(row), JSON.stringify(row));
  }
});

test('row JSON: a computed row written from its parts is JSON.stringify of the row, outputs in kernel order', () => {
  const writer = new RowJson();
  let s = 11;
  // biome-ignore lint/suspicious/noAssignInExpressions: a seeded PRNG step, so the inputs are the same on every run
  const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const names = ['price', 'delta', 'gamma'];
  for (let i = 0; i < 2000; i++) {
    const params = { type: 'call', spot: 100, strike: Math.round(r() * 400) / 4, volatility: r(), 'odd "key"': -r() * 1e-12 };
    const outputs = { gamma: r() * 1e-9, price: r() * 1e7, delta: r() - 0.5, ignored: 1 };
    const expected = JSON.stringify({ index: i, params, price: outputs.price, delta: outputs.delta, gamma: outputs.gamma });
    assert.equal(writer.result(i, params, outputs, names), expected);
  }
});
