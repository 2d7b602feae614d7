/** Parameter sets built by ParameterShape are the spread `{...base, ...fields}`, key order included. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParameterShape } from '../../jobs/parameters/shape.ts';

test('parameter shape: base keys first, then new fields, fields override the base in place', () => {
  const base = { type: 'call', spot: 100, strike: 1, rate: 0.05 };
  const shape = new ParameterShape(base, ['strike', 'volatility', 'maturity']);
  const built = shape.build([42, 0.2, 1.5]);
  const spread = { ...base, strike: 42, volatility: 0.2, maturity: 1.5 };
  assert.deepEqual(built, spread);
  assert.equal(JSON.stringify(built), JSON.stringify(spread));
});

test('parameter shape: a repeated field name takes its last value, as a spread does', () => {
  const shape = new ParameterShape({}, ['x', 'y', 'x']);
  assert.equal(JSON.stringify(shape.build([1, 2, 3])), JSON.stringify({ ...{ x: 1, y: 2 }, x: 3 }));
});

test('parameter shape: an empty base and no fields give an empty set', () => {
  assert.deepEqual(new ParameterShape({}, []).build([]), {});
});
