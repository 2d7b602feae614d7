/** The formatters the CLI and the dashboard share (shared/display-format.ts): money and prices never print in scientific notation. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCount, formatNumber, formatPrice, formatQuantity, formatSeconds, formatUsd } from '../../shared/display-format.ts';

const SCIENTIFIC = /\de[+-]?\d/i;

describe('formatUsd', () => {
  const cases: Array<[number, string]> = [
    [0, '$0.00'],
    [1234.567, '$1,234.57'],
    [2.2593, '$2.26'],
    [0.0363, '$0.0363'],
    [0.000123456, '$0.000123'],
    [2.75e-6, '$0.00000275'],
    [1e-6, '$0.00000100'],
    [2.75e-7, '<$0.000001'],
    [5e-324, '<$0.000001'],
    [1.5e21, '$1,500,000,000,000,000,000,000.00'],
    [-0.5, '-$0.5000'],
    [Number.NaN, '—'],
  ];
  for (const [value, text] of cases) test(`${value} is ${text}`, () => assert.equal(formatUsd(value), text));

  test('the largest number is written out in full', () => assert.match(formatUsd(Number.MAX_VALUE), /^\$179,769,313,486,231,570(,000)+\.00$/));

  test('no amount from a zeptodollar to 10^300 dollars prints in scientific notation', () => {
    for (let exponent = -21; exponent <= 300; exponent++) {
      for (const mantissa of [1, 2.75, 9.999]) {
        const text = formatUsd(mantissa * 10 ** exponent);
        assert.doesNotMatch(text, SCIENTIFIC, `${mantissa}e${exponent} printed as ${text}`);
      }
    }
  });
});

describe('formatPrice', () => {
  const cases: Array<[number, string]> = [
    [0.0093, '$0.0093'],
    [2.25, '$2.25'],
    [1e-7, '$0.0000001'],
    [2.75e-6, '$0.00000275'],
    [1e21, '$1000000000000000000000'],
    [0.1 + 0.2, '$0.3'],
  ];
  for (const [value, text] of cases) test(`${value} is ${text}`, () => assert.equal(formatPrice(value), text));
});

describe('formatQuantity, formatCount, formatSeconds, formatNumber', () => {
  const cases: Array<[string, () => string, string]> = [
    ['quantity: whole from 100 up', () => formatQuantity(10800), '10800'],
    ['quantity: three significant digits below', () => formatQuantity(12.5), '12.5'],
    ['quantity: tiny, still plain', () => formatQuantity(2.75e-7), '0.000000275'],
    ['quantity: none', () => formatQuantity(0), '0'],
    ['quantity: huge, still plain', () => formatQuantity(3e21), '3000000000000000000000'],
    ['count', () => formatCount(1234567), '1,234,567'],
    ['seconds: under ten', () => formatSeconds(4.25), '4.3 s'],
    ['seconds: under a minute', () => formatSeconds(42.4), '42 s'],
    ['seconds: minutes', () => formatSeconds(185), '3 min 05 s'],
    ['seconds: hours', () => formatSeconds(7620), '2 h 07 min'],
    ['seconds: no rate yet', () => formatSeconds(Number.POSITIVE_INFINITY), '?'],
    ['number: six decimals, zeros dropped', () => formatNumber(4.75), '4.75'],
    ['number: a measured tiny value stays exact in scientific form', () => formatNumber(2.75e-6), '2.7500e-6'],
    ['number: a million', () => formatNumber(1e6), '1.0000e+6'],
  ];
  for (const [name, format, text] of cases) test(`${name}: ${text}`, () => assert.equal(format(), text));
});
