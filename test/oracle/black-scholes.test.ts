/**
 * Oracle tier: `black-scholes` price and all five Greeks against QuantLib's
 * AnalyticEuropeanEngine on 4,000 random European options (fixed seed) across a wide
 * domain: spots 1 to 1,000, strikes e^±2.5 around the spot (deep in and out of the
 * money), maturities 1 day to 30 years, volatilities 1% to 200%, rates −5% to 15%,
 * dividend yields −2% to 10%. One Python process prices the whole batch.
 *
 * Conventions (both sides, checked here): maturities are whole days over Actual/365
 * (Fixed), so T = days/365 exactly on both sides; curves are flat and continuously
 * compounded. Theta is ∂V/∂t per year of calendar time (QuantLib's `theta()`; per day
 * is theta/365, QuantLib's `thetaPerDay()`). Vega and rho are per 1.00 of volatility
 * and of rate (divide by 100 for per point). Delta and gamma are with respect to spot.
 *
 * Tolerances: |ours − QuantLib| ≤ relative·|QuantLib| + absolute·scale. Both sides
 * evaluate the same closed forms in double precision with different normal
 * distribution functions (Cody's rational approximations here, fdlibm's erf in
 * QuantLib), each accurate to a few ulps, so agreement is limited by rounding:
 * - gamma and vega are products of positive factors (no cancellation), but both carry
 *   φ(d1) = e^{−d1²/2}/√(2π): a relative difference δ in d1 (the two sides compute d1
 *   differently; QuantLib from its discount factors) becomes d1²·δ in φ. Relative
 *   1e-10 × (1 + d1²/2). (At the worst case, d1 = 33.9, a 60-digit evaluation gives
 *   ours within 5e-13 and QuantLib's within 1.7e-9.) Absolute 1e-280, because QuantLib
 *   flushes the density to 0 where ours still returns values down to ~1e-320.
 * - price is a difference of two terms S·e^{−qT}·N(±d1) and K·e^{−rT}·N(±d2): rounding of
 *   ~1e-16 of the larger term survives the cancellation, so deep out-of-the-money prices
 *   agree absolutely, not relatively: absolute 1e-13 × (S·e^{−qT} + K·e^{−rT}), 1000×
 *   the rounding of those terms.
 * - delta is e^{−qT}·N(d1) − (put) e^{−qT}: absolute 1e-13 × e^{−qT}.
 * - theta sums three terms of sizes S·e^{−qT}·φ·σ/(2√T), r·K·e^{−rT}, q·S·e^{−qT}:
 *   absolute 1e-12 × their magnitudes' sum, ten times the others because QuantLib takes
 *   theta from ln(discount factor)/T, which loses ~ε/(|r|T) relative where rT is tiny.
 * - rho is ±T·K·e^{−rT}·N(±d2): absolute 1e-13 × T·K·e^{−rT}.
 * Every output also has relative 1e-10. The figures measured are printed as diagnostics.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { blackScholes } from '../../jobs/kernels/black-scholes.ts';
import type { OptionParameters } from '../../jobs/kernels/option-parameters.ts';
import { streamFor } from '../../jobs/kernels/rng.ts';
import { askOracle } from './support/oracle.ts';
import { compareOutput, describeWorst, type Tolerance } from './support/worst-cases.ts';

const CASES = 4000;
const SEED = 2026;

type Case = Omit<OptionParameters, 'maturity'> & { days: number };

function drawCases(): Case[] {
  const stream = streamFor(SEED, 0);
  const u = () => stream.nextDouble();
  const logUniform = (low: number, high: number) => Math.exp(Math.log(low) + u() * Math.log(high / low));
  return Array.from({ length: CASES }, () => {
    const spot = logUniform(1, 1000);
    return {
      type: u() < 0.5 ? 'call' : 'put',
      spot,
      strike: spot * Math.exp(-2.5 + 5 * u()),
      rate: -0.05 + 0.2 * u(),
      dividendYield: -0.02 + 0.12 * u(),
      volatility: logUniform(0.01, 2),
      days: Math.max(1, Math.round(logUniform(1, 365 * 30))),
    };
  });
}

const years = (c: Case) => c.days / 365;
const carried = (c: Case) => c.spot * Math.exp(-c.dividendYield * years(c));
const discounted = (c: Case) => c.strike * Math.exp(-c.rate * years(c));
const d1 = (c: Case) => (Math.log(c.spot / c.strike) + (c.rate - c.dividendYield + 0.5 * c.volatility ** 2) * years(c)) / (c.volatility * Math.sqrt(years(c)));

const RELATIVE = 1e-10;
const ABSOLUTE = 1e-13;
/** Below this QuantLib's Greeks are 0 and ours still tiny numbers. */
const UNDERFLOW = 1e-280;
const TOLERANCES: Record<string, Tolerance<Case>> = {
  price: { relative: RELATIVE, absolute: ABSOLUTE, scale: (c) => carried(c) + discounted(c) },
  delta: { relative: RELATIVE, absolute: ABSOLUTE, scale: (c) => Math.exp(-c.dividendYield * years(c)) },
  gamma: { relative: (c) => RELATIVE * (1 + d1(c) ** 2 / 2), absolute: UNDERFLOW },
  vega: { relative: (c) => RELATIVE * (1 + d1(c) ** 2 / 2), absolute: UNDERFLOW },
  theta: {
    relative: RELATIVE,
    absolute: 10 * ABSOLUTE,
    scale: (c) => (carried(c) * c.volatility) / (2 * Math.sqrt(years(c))) + Math.abs(c.rate) * discounted(c) + Math.abs(c.dividendYield) * carried(c),
  },
  rho: { relative: RELATIVE, absolute: ABSOLUTE, scale: (c) => years(c) * discounted(c) },
};

const cases = drawCases();
let ours: Record<string, number>[];
let oracle: Record<string, number>[];
let quantlib = '';

before(async () => {
  const evaluate = blackScholes.prepare({});
  ours = cases.map(({ days, ...c }, i) => evaluate({ ...c, maturity: days / 365 }, i));
  const answer = await askOracle({ kind: 'european', cases });
  oracle = answer.results;
  quantlib = answer.quantlib;
});

for (const output of blackScholes.outputs) {
  test(`black-scholes ${output} agrees with QuantLib's AnalyticEuropeanEngine on ${CASES} random options`, (t) => {
    assert.equal(oracle.length, CASES);
    const deviation = compareOutput(output, cases, ours, oracle, TOLERANCES[output]!);
    t.diagnostic(
      `${output} vs QuantLib ${quantlib}: worst |Δ|/scale ${deviation.worstScaled.toExponential(2)}, worst relative ${deviation.worstRelative.toExponential(2)}, ` +
        `worst ${deviation.worstRatio.toExponential(2)} × tolerance`,
    );
    assert.equal(deviation.failures, 0, describeWorst(deviation, CASES));
  });
}

test('the domain is wide: deep in and out of the money, 1-day to 30-year, negative rates, all present', () => {
  const moneyness = cases.map((c) => Math.log(c.strike / c.spot));
  assert.ok(moneyness.some((m) => m < -2.3) && moneyness.some((m) => m > 2.3));
  assert.ok(cases.some((c) => c.days <= 2) && cases.some((c) => c.days >= 365 * 25));
  assert.ok(cases.some((c) => c.rate < -0.04) && cases.some((c) => c.volatility > 1.5) && cases.some((c) => c.volatility < 0.015));
  // Deep out-of-the-money prices far below a cent and deep in-the-money deltas at ±e^{-qT}.
  assert.ok(oracle.some((r) => r.price! > 0 && r.price! < 1e-10));
  assert.ok(oracle.some((r) => Math.abs(r.delta!) > 0.999));
});

test('the comparison catches a convention slip: theta per day, vega per vol point, rho per basis point', () => {
  const slipped = (output: string, factor: number) => ours.map((row) => ({ ...row, [output]: row[output]! * factor }));
  for (const [output, factor] of [
    ['theta', 1 / 365],
    ['vega', 1 / 100],
    ['rho', 1 / 10_000],
  ] as const) {
    const deviation = compareOutput(output, cases, slipped(output, factor), oracle, TOLERANCES[output]!);
    // Not every case: deep out of the money the Greek is ~0 in either unit.
    assert.ok(deviation.failures > CASES / 2, `${output} × ${factor} should fail most cases (failed ${deviation.failures})`);
  }
});
