/**
 * Oracle tier: `european-option-mc` against QuantLib's analytic price, on 2,000 random
 * options with antithetic pairs and 2,000 without (20,000 paths each, fixed seeds), and
 * 2,000 with `"sequence": "sobol"` (16,384 paths over 16 scramblings).
 *
 * Two properties: the estimate is within 4 of its reported standard errors on at least
 * 99% of the cases, and the standard error itself is honest, i.e. z = (price −
 * analytic)/stdError is standard normal: the fraction of |z| ≤ 1 is 68.27% and of
 * |z| ≤ 2 is 95.45%. With n = 2,000 cases the observed fractions are binomial, with
 * standard deviations √(p(1−p)/n) of 1.04 and 0.47 points; the tolerances, ±3.5 and
 * ±1.6 points, are three of those plus 0.2 point for the standard error being itself
 * an estimate (10,000 samples: ~0.7% relative, which moves the 1-SE coverage by ~0.2
 * point). For Sobol the expected fractions are the Student t's (see `runs`); the
 * binomial spread is about the same.
 *
 * Domain: spots 5 to 1,000; maturities 1 week to 10 years (whole days, Actual/365);
 * volatilities 5% to 60%; rates −2% to 8%; dividend yields 0 to 5%; strikes within
 * ±2 standard deviations (σ√T) of the forward. Plain Monte Carlo needs paths in the
 * region that carries the value: much further out of the money, 20,000 paths see too
 * few payoffs for a normal error (the kernel's documentation says so), which is a
 * property of the method, not a defect to test for.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { europeanOptionMc } from '../../jobs/kernels/european-option-mc.ts';
import type { OptionParameters } from '../../jobs/kernels/option-parameters.ts';
import { streamFor } from '../../jobs/kernels/rng.ts';
import { askOracle } from './support/oracle.ts';

const CASES = 2000;
const PATHS = 20_000;
const NORMAL_WITHIN_1 = 0.6827;
const NORMAL_WITHIN_2 = 0.9545;
const TOLERANCE_1 = 0.035;
const TOLERANCE_2 = 0.016;

type Case = Omit<OptionParameters, 'maturity'> & { days: number };

function drawCases(seed: number): Case[] {
  const stream = streamFor(seed, 0);
  const u = () => stream.nextDouble();
  const logUniform = (low: number, high: number) => Math.exp(Math.log(low) + u() * Math.log(high / low));
  return Array.from({ length: CASES }, () => {
    const spot = logUniform(5, 1000);
    const days = Math.round(logUniform(7, 3650));
    const volatility = logUniform(0.05, 0.6);
    const rate = -0.02 + 0.1 * u();
    const dividendYield = 0.05 * u();
    const years = days / 365;
    const forward = spot * Math.exp((rate - dividendYield) * years);
    const strike = forward * Math.exp(volatility * Math.sqrt(years) * (-2 + 4 * u()));
    return { type: u() < 0.5 ? 'call' : 'put', spot, strike, rate, dividendYield, volatility, days };
  });
}

interface Outcome {
  item: Case;
  price: number;
  stdError: number;
  analytic: number;
  /** (price − analytic) / stdError. */
  z: number;
}

/**
 * The coverage a correct standard error gives: normal for the pseudo-random runs (the
 * standard error comes from 10,000+ samples); for Sobol it comes from 16 scramblings,
 * so z is a Student t with 15 degrees of freedom (scipy: P(|T15| ≤ 1) = 0.6668,
 * P(|T15| ≤ 2) = 0.9361, P(|T15| ≤ 4) = 0.9988).
 */
interface Run {
  label: string;
  options: { antithetic: boolean; sequence?: 'sobol'; scramblings?: number };
  paths: number;
  seed: number;
  within1: number;
  within2: number;
  outcomes: Outcome[];
}

const runs: Run[] = [
  { label: 'antithetic', options: { antithetic: true }, paths: PATHS, seed: 31, within1: NORMAL_WITHIN_1, within2: NORMAL_WITHIN_2, outcomes: [] },
  { label: 'plain', options: { antithetic: false }, paths: PATHS, seed: 32, within1: NORMAL_WITHIN_1, within2: NORMAL_WITHIN_2, outcomes: [] },
  // 16 scramblings × 512 points × 2 (antithetic): powers of two, where scrambled Sobol points balance best.
  {
    label: 'sobol',
    options: { antithetic: true, sequence: 'sobol', scramblings: 16 },
    paths: 16_384,
    seed: 33,
    within1: 0.6668,
    within2: 0.9361,
    outcomes: [],
  },
];

before(async () => {
  for (const run of runs) {
    const cases = drawCases(run.seed);
    const evaluate = europeanOptionMc.prepare({ paths: run.paths, seed: run.seed, ...run.options });
    const ours = cases.map(({ days, ...c }, i) => evaluate({ ...c, maturity: days / 365 }, i));
    const { results } = await askOracle({ kind: 'european', cases });
    run.outcomes = cases.map((item, i) => {
      const price = ours[i]!.price!;
      const stdError = ours[i]!.stdError!;
      const analytic = results[i]!.price!;
      const z = price === analytic ? 0 : (price - analytic) / stdError;
      return { item, price, stdError, analytic, z };
    });
  }
});

const within = (outcomes: readonly Outcome[], k: number) => outcomes.filter((o) => Math.abs(o.z) <= k).length / outcomes.length;

function worst(outcomes: readonly Outcome[], show = 5): string {
  return [...outcomes]
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
    .slice(0, show)
    .map((o) => `  z ${o.z.toFixed(2)}: price ${o.price} ± ${o.stdError} vs analytic ${o.analytic} for ${JSON.stringify(o.item)}`)
    .join('\n');
}

for (const run of runs) {
  test(`european-option-mc (${run.label}, ${run.paths} paths): within 4 reported standard errors of QuantLib's analytic price on ≥ 99% of ${CASES} options`, (t) => {
    const share = within(run.outcomes, 4);
    t.diagnostic(`${run.label}: ${(share * 100).toFixed(2)}% within 4 SE; worst |z| ${Math.max(...run.outcomes.map((o) => Math.abs(o.z))).toFixed(2)}`);
    assert.ok(share >= 0.99, `only ${(share * 100).toFixed(2)}% within 4 standard errors; worst:\n${worst(run.outcomes)}`);
  });

  test(`european-option-mc (${run.label}): the reported standard error is honest (coverage at 1 and 2 standard errors is what a correct one gives)`, (t) => {
    const one = within(run.outcomes, 1);
    const two = within(run.outcomes, 2);
    const percent = (x: number) => (x * 100).toFixed(2);
    t.diagnostic(
      `${run.label}: ${percent(one)}% within 1 SE (expected ${percent(run.within1)}), ${percent(two)}% within 2 SE (expected ${percent(run.within2)})`,
    );
    assert.ok(
      Math.abs(one - run.within1) <= TOLERANCE_1,
      `${percent(one)}% within 1 SE, expected ${percent(run.within1)}% ± ${TOLERANCE_1 * 100}; worst:\n${worst(run.outcomes)}`,
    );
    assert.ok(
      Math.abs(two - run.within2) <= TOLERANCE_2,
      `${percent(two)}% within 2 SE, expected ${percent(run.within2)}% ± ${TOLERANCE_2 * 100}; worst:\n${worst(run.outcomes)}`,
    );
  });
}

test('the coverage check can fail: a standard error reported half its size is caught', () => {
  const halved = runs[0]!.outcomes.map((o) => ({ ...o, z: o.z * 2 }));
  assert.ok(Math.abs(within(halved, 1) - NORMAL_WITHIN_1) > TOLERANCE_1);
});
