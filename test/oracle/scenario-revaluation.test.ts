/**
 * Oracle tier: `scenario-revaluation` against QuantLib's revaluation of the same book:
 * 60 positions (calls, puts, delta-one) on three underlyings, some options with their
 * own volatility, expiries from 5 days to 2 years, under 1,000 random scenarios moving
 * each spot (−40% to +40%), each volatility, the rate, and letting 0 to 30 days pass
 * (so some options expire inside the horizon and settle at their payoff). QuantLib
 * prices each option with its AnalyticEuropeanEngine as of the horizon date
 * (Actual/365 (Fixed), maturities in whole days on both sides).
 *
 * Tolerance: |Δ| ≤ 1e-14 × the book's gross size Σ|quantity|·(spot + strike). Each
 * option price agrees with QuantLib to ~1.3e-15 of spot + strike (black-scholes oracle
 * test), so a book can differ by that per unit of quantity, plus the rounding of a
 * 60-term sum (~60 ε ≈ 7e-15 of the gross size). P&L is value minus today's value,
 * both revalued the same way.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { streamFor } from '../../jobs/kernels/rng.ts';
import { scenarioRevaluation } from '../../jobs/kernels/scenario-revaluation.ts';
import { askOracle } from './support/oracle.ts';
import { compareOutput, describeWorst } from './support/worst-cases.ts';

const SCENARIOS = 1000;
/** Of the book's gross size (see above). */
const TOLERANCE = 1e-14;
const NAMES = ['SPX', 'ACME', 'BOLT'] as const;

const stream = streamFor(51, 0);
const u = () => stream.nextDouble();
const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

const underlyings = Object.fromEntries(NAMES.map((name, i) => [name, { spot: [5000, 120, 35][i]!, volatility: 0.15 + 0.3 * u(), dividendYield: 0.04 * u() }]));
const positions = Array.from({ length: 60 }, () => {
  const underlying = NAMES[Math.floor(u() * NAMES.length)]!;
  const quantity = Math.round((u() < 0.5 ? -1 : 1) * (1 + 999 * u()));
  const roll = u();
  if (roll < 0.15) return { type: 'underlying' as const, underlying, quantity, days: 0 };
  const days = Math.round(5 + 725 * u() ** 2);
  return {
    type: roll < 0.6 ? ('call' as const) : ('put' as const),
    underlying,
    quantity,
    strike: underlyings[underlying]!.spot * Math.exp(-0.3 + 0.6 * u()),
    days,
    ...(u() < 0.3 ? { volatility: 0.1 + 0.4 * u() } : {}),
  };
});
const rate = 0.03;
/** The book as the kernel reads it (maturities in years) and as the oracle does (whole days). */
const kernelBook = {
  rate,
  underlyings,
  positions: positions.map(({ days, ...p }) => (p.type === 'underlying' ? p : { ...p, maturity: days / 365 })),
};
const oracleBook = { rate, underlyings, positions };

const scenarios = Array.from({ length: SCENARIOS }, (_, i) => ({
  scenario: i,
  spotReturns: Object.fromEntries(NAMES.map((n) => [n, Math.max(-0.4, Math.min(0.4, 0.08 * normal()))])),
  volShifts: Object.fromEntries(NAMES.map((n) => [n, -0.05 + 0.15 * u()])),
  rateShift: 0.01 * normal(),
  horizonDays: Math.floor(u() * 31),
}));

/** Σ|quantity|·(spot + strike): the book's gross size, the scale of its rounding. */
const grossSize = positions.reduce((sum, p) => sum + Math.abs(p.quantity) * (underlyings[p.underlying]!.spot * 1.4 + ('strike' in p ? p.strike : 0)), 0);

let ours: Record<string, number>[];
let oracle: Record<string, number>[];

before(async () => {
  const asked = askOracle({ kind: 'scenario', book: oracleBook, scenarios });
  const evaluate = scenarioRevaluation.prepare(scenarioRevaluation.optionsSchema.parse(kernelBook));
  const parse = (s: unknown) => scenarioRevaluation.parametersSchema.parse(s);
  ours = scenarios.map((s, i) => evaluate(parse(s), i));
  oracle = (await asked).results;
});

for (const output of ['pnl', 'value'] as const) {
  test(`scenario-revaluation ${output} agrees with QuantLib's revaluation of the same book in ${SCENARIOS} scenarios`, (t) => {
    const deviation = compareOutput(output, scenarios, ours, oracle, { relative: 0, absolute: TOLERANCE * grossSize });
    t.diagnostic(
      `${output}: worst |Δ| ${deviation.worstScaled.toExponential(2)} on a book of gross size ${grossSize.toExponential(2)} (${deviation.worstRatio.toExponential(2)} × tolerance)`,
    );
    assert.equal(deviation.failures, 0, describeWorst(deviation, SCENARIOS));
  });
}

test('the scenarios reach expiries inside the horizon and large moves', () => {
  const expiring = positions.filter((p) => p.type !== 'underlying' && p.days <= 30);
  assert.ok(expiring.length > 0, 'some options expire within 30 days');
  assert.ok(scenarios.some((s) => s.horizonDays >= Math.min(...expiring.map((p) => p.days))));
  assert.ok(oracle.some((r) => Math.abs(r.pnl!) > 0.01 * Math.abs(r.value!)));
});

test('the check can fail: a revaluation that forgets the horizon (no time passes) is caught', () => {
  const evaluate = scenarioRevaluation.prepare(scenarioRevaluation.optionsSchema.parse(kernelBook));
  const timeless = scenarios.map((s, i) => evaluate(scenarioRevaluation.parametersSchema.parse({ ...s, horizonDays: 0 }), i));
  const deviation = compareOutput('pnl', scenarios, timeless, oracle, { relative: 0, absolute: TOLERANCE * grossSize });
  assert.ok(deviation.failures >= scenarios.filter((s) => s.horizonDays > 0).length * 0.9);
});
