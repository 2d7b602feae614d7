import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../../jobs/kernels/kernel.ts';
import { checkOptionDomain, optionParametersSchema, type OptionParameters } from '../../../jobs/kernels/option-parameters.ts';

const VALID: OptionParameters = { type: 'call', spot: 42, strike: 40, rate: 0.1, dividendYield: 0, volatility: 0.2, maturity: 0.5 };

test('dividendYield defaults to 0', () => {
  const { dividendYield: _omitted, ...rest } = VALID;
  assert.equal(optionParametersSchema.parse(rest).dividendYield, 0);
});

test('the schema accepts non-finite numbers, leaving them to the domain check', () => {
  const parsed = optionParametersSchema.parse({ ...VALID, volatility: Number.NaN, spot: Number.POSITIVE_INFINITY });
  assert.ok(Number.isNaN(parsed.volatility));
});

const MALFORMED: ReadonlyArray<readonly [label: string, value: unknown, path: string]> = [
  ['an unknown field', { ...VALID, vol: 0.2 }, ''],
  ['a missing field', { ...VALID, maturity: undefined }, 'maturity'],
  ['a number given as a string', { ...VALID, strike: '40' }, 'strike'],
  ['an unknown option type', { ...VALID, type: 'straddle' }, 'type'],
];

for (const [label, value, path] of MALFORMED) {
  test(`the schema rejects ${label}`, () => {
    const result = optionParametersSchema.safeParse(value);
    assert.equal(result.success, false);
    assert.equal(result.error?.issues[0]?.path.join('.'), path);
  });
}

test('a valid parameter set, and negative rates and yields, pass the domain check', () => {
  assert.doesNotThrow(() => checkOptionDomain(VALID));
  assert.doesNotThrow(() => checkOptionDomain({ ...VALID, rate: -0.005, dividendYield: -0.01 }));
});

const OUT_OF_DOMAIN: ReadonlyArray<readonly [change: Partial<OptionParameters>, message: string]> = [
  [{ volatility: -0.2 }, 'volatility must be > 0 (got -0.2)'],
  [{ volatility: 0 }, 'volatility must be > 0 (got 0)'],
  [{ maturity: 0 }, 'maturity must be > 0 (got 0)'],
  [{ spot: -1 }, 'spot must be > 0 (got -1)'],
  [{ strike: 0 }, 'strike must be > 0 (got 0)'],
  [{ rate: Number.NaN }, 'rate must be a finite number (got NaN)'],
  [{ dividendYield: Number.POSITIVE_INFINITY }, 'dividendYield must be a finite number (got Infinity)'],
  [{ spot: Number.NEGATIVE_INFINITY }, 'spot must be a finite number (got -Infinity)'],
];

for (const [change, message] of OUT_OF_DOMAIN) {
  test(`checkOptionDomain: ${message}`, () => {
    assert.throws(
      () => checkOptionDomain({ ...VALID, ...change }),
      (error: unknown) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.message, message);
        return true;
      },
    );
  });
}
