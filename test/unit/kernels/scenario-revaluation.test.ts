import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blackScholesValues } from '../../../jobs/kernels/black-scholes.ts';
import { DomainError } from '../../../jobs/kernels/kernel.ts';
import { baseValue, scenarioRevaluation } from '../../../jobs/kernels/scenario-revaluation.ts';

const book = {
  rate: 0.1,
  underlyings: { HULL: { spot: 42, volatility: 0.2 }, ACME: { spot: 120, volatility: 0.3, dividendYield: 0.02 } },
  positions: [
    { type: 'call', underlying: 'HULL', quantity: 100, strike: 40, maturity: 0.5 },
    { type: 'underlying', underlying: 'ACME', quantity: -50 },
    { type: 'put', underlying: 'ACME', quantity: 30, strike: 110, maturity: 0.25, volatility: 0.35 },
  ],
};
const options = scenarioRevaluation.optionsSchema.parse(book);
const evaluate = scenarioRevaluation.prepare(options);
const run = (scenario: Record<string, unknown>) => evaluate(scenarioRevaluation.parametersSchema.parse(scenario), 0);

const hullCall = (over: Partial<Parameters<typeof blackScholesValues>[0]> = {}) =>
  blackScholesValues({ type: 'call', spot: 42, strike: 40, rate: 0.1, dividendYield: 0, volatility: 0.2, maturity: 0.5, ...over }).price;
const acmePut = (over: Partial<Parameters<typeof blackScholesValues>[0]> = {}) =>
  blackScholesValues({ type: 'put', spot: 120, strike: 110, rate: 0.1, dividendYield: 0.02, volatility: 0.35, maturity: 0.25, ...over }).price;

test("today's value: 100 Hull calls (4.76 each), short 50 ACME, 30 ACME puts", () => {
  assert.ok(Math.abs(hullCall() - 4.76) < 0.005); // Hull, Example 15.6
  assert.equal(baseValue(options), 100 * hullCall() - 50 * 120 + 30 * acmePut());
});

test('the zero scenario has a P&L of exactly 0', () => {
  assert.deepEqual(run({}), { pnl: 0, value: baseValue(options) });
});

test('a scenario reprices every position with its shocks and the time passed', () => {
  const { pnl } = run({ spotReturn: -0.1, volShift: 0.05, rateShift: -0.01, horizonDays: 36.5 });
  const expected =
    100 * hullCall({ spot: 42 * 0.9, volatility: 0.25, rate: 0.09, maturity: 0.4 }) -
    50 * 120 * 0.9 +
    30 * acmePut({ spot: 120 * 0.9, volatility: 0.4, rate: 0.09, maturity: 0.15 }) -
    baseValue(options);
  assert.ok(Math.abs(pnl! - expected) < 1e-9, `${pnl} vs ${expected}`);
});

test('per-underlying shocks override the common ones for the names given', () => {
  const { pnl } = run({ spotReturn: 0.05, spotReturns: { ACME: -0.2 }, volShifts: { HULL: -0.05 } });
  const expected = 100 * hullCall({ spot: 42 * 1.05, volatility: 0.15 }) - 50 * 96 + 30 * acmePut({ spot: 96 }) - baseValue(options);
  assert.ok(Math.abs(pnl! - expected) < 1e-9, `${pnl} vs ${expected}`);
});

test('an option expiring within the horizon is worth its payoff at the scenario spot', () => {
  const { value } = run({ horizonDays: 365, spotReturn: 0.1 });
  assert.ok(Math.abs(value! - (100 * (46.2 - 40) - 50 * 132 + 30 * 0)) < 1e-9, `${value}`);
});

const DOMAIN_ERRORS: ReadonlyArray<readonly [label: string, scenario: Record<string, unknown>, message: RegExp]> = [
  ['spot falls 100%', { spotReturn: -1 }, /spotReturn must be > -1/],
  ['one name falls more than 100%', { spotReturns: { ACME: -1.5 } }, /spotReturns\.ACME must be > -1/],
  ['NaN shock', { volShift: Number.NaN }, /volShift must be a finite number/],
  ['infinite per-name shock', { volShifts: { HULL: Infinity } }, /volShifts\.HULL must be a finite number/],
  ['negative horizon', { horizonDays: -1 }, /horizonDays must be >= 0/],
  ['volatility shifted to zero', { volShift: -0.2 }, /position 0 \(call HULL 40\) to volatility/],
  ['unknown name', { spotReturns: { XYZ: 0.1 } }, /unknown underlying "XYZ"; the book's underlyings are HULL, ACME/],
];

for (const [label, scenario, message] of DOMAIN_ERRORS) {
  test(`a scenario outside the domain fails alone: ${label}`, () => {
    assert.throws(
      () => run(scenario),
      (error: unknown) => error instanceof DomainError && message.test(error.message),
    );
  });
}

test('a scenario with an unknown field is a shape error', () => {
  assert.equal(scenarioRevaluation.parametersSchema.safeParse({ spotRetrun: 0.1 }).success, false);
  assert.equal(scenarioRevaluation.parametersSchema.safeParse({ scenario: '2008-10-15', spotReturn: -0.09 }).success, true);
});

const BAD_BOOKS: ReadonlyArray<readonly [label: string, book: unknown, message: RegExp]> = [
  ['unknown underlying', { ...book, positions: [{ type: 'underlying', underlying: 'NOPE', quantity: 1 }] }, /unknown underlying "NOPE"/],
  ['no positions', { ...book, positions: [] }, /at least one position/],
  ['no underlyings', { ...book, underlyings: {}, positions: [] }, /1 to 1000 underlyings/],
  ['negative strike', { ...book, positions: [{ ...book.positions[0], strike: -40 }] }, /must be > 0/],
  ['option field on a linear position', { ...book, positions: [{ type: 'underlying', underlying: 'HULL', quantity: 1, strike: 3 }] }, /strike/],
  ['overflowing book', { ...book, positions: [{ type: 'underlying', underlying: 'HULL', quantity: 1e307 }] }, /overflow/],
];

for (const [label, bad, message] of BAD_BOOKS) {
  test(`an invalid book is refused: ${label}`, () => {
    const result = scenarioRevaluation.optionsSchema.safeParse(bad);
    assert.equal(result.success, false);
    assert.match(result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '), message);
  });
}
