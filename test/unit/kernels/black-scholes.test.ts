import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blackScholes, blackScholesValues } from '../../../jobs/kernels/black-scholes.ts';
import { DomainError } from '../../../jobs/kernels/kernel.ts';
import type { OptionParameters } from '../../../jobs/kernels/option-parameters.ts';

// Published values only: never produced by this code. Sources:
//   Hull   = J. C. Hull, Options, Futures, and Other Derivatives, 9th ed.
//   Haug98 = E. G. Haug, The Complete Guide to Option Pricing Formulas, McGraw-Hill 1998
//            (1st ed.; the same examples recur in the 2nd ed., ch. 1-2), page numbers as
//            transcribed with these values in QuantLib's test-suite/europeanoption.cpp.
// Tolerance: 1e-4 where the book prints 4 decimals; half a unit of the last printed
// digit where it prints fewer (Hull's 2-3 significant digits).

type Fixture = readonly [source: string, p: OptionParameters, expected: number, tolerance: number];

function option(
  type: 'call' | 'put',
  spot: number,
  strike: number,
  rate: number,
  dividendYield: number,
  volatility: number,
  maturity: number,
): OptionParameters {
  return { type, spot, strike, rate, dividendYield, volatility, maturity };
}

const PRICES: readonly Fixture[] = [
  ['Hull Example 15.6: c = 4.76 (2 decimals)', option('call', 42, 40, 0.1, 0, 0.2, 0.5), 4.76, 0.005],
  ['Hull Example 15.6: p = 0.81 (2 decimals)', option('put', 42, 40, 0.1, 0, 0.2, 0.5), 0.81, 0.005],
  // The same example to 4 decimals, as the pipeline issue quotes it (d1 = 0.7693, d2 = 0.6278 in Hull).
  ['Hull Example 15.6 to 4 decimals: c = 4.7594', option('call', 42, 40, 0.1, 0, 0.2, 0.5), 4.7594, 1e-4],
  ['Hull Example 15.6 to 4 decimals: p = 0.8086', option('put', 42, 40, 0.1, 0, 0.2, 0.5), 0.8086, 1e-4],
  ['Hull ch. 19 running example: 2.40 per option (2 decimals)', option('call', 49, 50, 0.05, 0, 0.2, 20 / 52), 2.4, 0.005],
  ['Haug98 p. 2-8, Black-Scholes 1973', option('call', 60, 65, 0.08, 0, 0.3, 0.25), 2.1334, 1e-4],
  ['Haug98 p. 2-8, Merton 1973 (q = 5%)', option('put', 100, 95, 0.1, 0.05, 0.2, 0.5), 2.4648, 1e-4],
  ['Haug98 p. 2-8, Black 1976 futures put (q = r)', option('put', 19, 19, 0.1, 0.1, 0.28, 0.75), 1.7011, 1e-4],
  ['Haug98 p. 2-8, Black 1976 futures call (q = r)', option('call', 19, 19, 0.1, 0.1, 0.28, 0.75), 1.7011, 1e-4],
  ['Haug98 p. 2-8, Garman-Kohlhagen currency (q = r_f = 8%)', option('call', 1.56, 1.6, 0.06, 0.08, 0.12, 0.5), 0.0291, 1e-4],
  ['Haug98 p. 2-8, generalized BSM (b = 5%)', option('put', 75, 70, 0.1, 0.05, 0.35, 0.5), 4.087, 1e-4],
  ['Haug98 p. 27 (b = -4%)', option('call', 42, 40, 0.04, 0.08, 0.35, 0.75), 5.0975, 1e-4],
  // Haug98 p. 24 table, b = 0 (q = r = 10%), K = 100.
  ['Haug98 p. 24', option('call', 90, 100, 0.1, 0.1, 0.15, 0.1), 0.0205, 1e-4],
  ['Haug98 p. 24', option('call', 100, 100, 0.1, 0.1, 0.15, 0.1), 1.8734, 1e-4],
  ['Haug98 p. 24', option('call', 110, 100, 0.1, 0.1, 0.15, 0.1), 9.9413, 1e-4],
  ['Haug98 p. 24', option('call', 90, 100, 0.1, 0.1, 0.25, 0.1), 0.315, 1e-4],
  ['Haug98 p. 24', option('call', 110, 100, 0.1, 0.1, 0.25, 0.1), 10.3556, 1e-4],
  ['Haug98 p. 24', option('call', 100, 100, 0.1, 0.1, 0.35, 0.1), 4.3693, 1e-4],
  ['Haug98 p. 24', option('call', 90, 100, 0.1, 0.1, 0.15, 0.5), 0.8069, 1e-4],
  ['Haug98 p. 24', option('call', 100, 100, 0.1, 0.1, 0.25, 0.5), 6.6997, 1e-4],
  ['Haug98 p. 24', option('call', 110, 100, 0.1, 0.1, 0.35, 0.5), 15.3086, 1e-4],
  ['Haug98 p. 24', option('put', 90, 100, 0.1, 0.1, 0.15, 0.1), 9.921, 1e-4],
  ['Haug98 p. 24', option('put', 110, 100, 0.1, 0.1, 0.15, 0.1), 0.0408, 1e-4],
  ['Haug98 p. 24', option('put', 90, 100, 0.1, 0.1, 0.25, 0.1), 10.2155, 1e-4],
  ['Haug98 p. 24', option('put', 110, 100, 0.1, 0.1, 0.35, 0.1), 1.2376, 1e-4],
  ['Haug98 p. 24', option('put', 100, 100, 0.1, 0.1, 0.15, 0.5), 4.0232, 1e-4],
  ['Haug98 p. 24', option('put', 90, 100, 0.1, 0.1, 0.25, 0.5), 12.2149, 1e-4],
  ['Haug98 p. 24', option('put', 110, 100, 0.1, 0.1, 0.25, 0.5), 3.2734, 1e-4],
  ['Haug98 p. 24', option('put', 90, 100, 0.1, 0.1, 0.35, 0.5), 14.4452, 1e-4],
  ['Haug98 p. 24', option('put', 110, 100, 0.1, 0.1, 0.35, 0.5), 5.7963, 1e-4],
];

type GreekFixture = readonly [source: string, greek: 'delta' | 'gamma' | 'vega' | 'theta' | 'rho', p: OptionParameters, expected: number, tolerance: number];

const HULL_CH19 = option('call', 49, 50, 0.05, 0, 0.2, 20 / 52);
const HAUG_GAMMA_VEGA = (type: 'call' | 'put') => option(type, 55, 60, 0.1, 0, 0.3, 0.75);

const GREEKS: readonly GreekFixture[] = [
  ['Haug98 p. 11-16: call delta (b = 0)', 'delta', option('call', 105, 100, 0.1, 0.1, 0.36, 0.5), 0.5946, 1e-4],
  ['Haug98 p. 11-16: put delta (b = 0)', 'delta', option('put', 105, 100, 0.1, 0.1, 0.36, 0.5), -0.3566, 1e-4],
  ['Haug98 p. 11-16: call gamma', 'gamma', HAUG_GAMMA_VEGA('call'), 0.0278, 1e-4],
  ['Haug98 p. 11-16: put gamma', 'gamma', HAUG_GAMMA_VEGA('put'), 0.0278, 1e-4],
  ['Haug98 p. 11-16: call vega', 'vega', HAUG_GAMMA_VEGA('call'), 18.9358, 1e-4],
  ['Haug98 p. 11-16: put vega', 'vega', HAUG_GAMMA_VEGA('put'), 18.9358, 1e-4],
  ['Haug98 p. 11-16: put theta per year (b = 2%)', 'theta', option('put', 430, 405, 0.07, 0.05, 0.2, 1 / 12), -31.1924, 1e-4],
  ['Haug98 p. 11-16: call rho', 'rho', option('call', 72, 75, 0.09, 0, 0.19, 1), 38.7325, 1e-4],
  ['Hull ch. 19: delta = 0.522 (3 decimals)', 'delta', HULL_CH19, 0.522, 0.0005],
  ['Hull ch. 19: gamma = 0.066 (3 decimals)', 'gamma', HULL_CH19, 0.066, 0.0005],
  ['Hull ch. 19: vega = 12.1 per 1.00 of volatility (1 decimal)', 'vega', HULL_CH19, 12.1, 0.05],
  ['Hull ch. 19: theta = -4.31 per year (2 decimals)', 'theta', HULL_CH19, -4.31, 0.005],
  ['Hull ch. 19: rho = 8.91 per 1.00 of rate (2 decimals)', 'rho', HULL_CH19, 8.91, 0.005],
];

const evaluate = blackScholes.prepare({});

for (const [source, p, expected, tolerance] of PRICES) {
  test(`${source}: ${p.type} S=${p.spot} K=${p.strike} r=${p.rate} q=${p.dividendYield} σ=${p.volatility} T=${p.maturity.toFixed(4)} → ${expected}`, () => {
    const { price } = evaluate(p, 0);
    assert.ok(Math.abs(price! - expected) <= tolerance, `price ${price}, expected ${expected} ± ${tolerance}`);
  });
}

for (const [source, greek, p, expected, tolerance] of GREEKS) {
  test(`${source}: ${greek} → ${expected}`, () => {
    const value = evaluate(p, 0)[greek]!;
    assert.ok(Math.abs(value - expected) <= tolerance, `${greek} ${value}, expected ${expected} ± ${tolerance}`);
  });
}

test('Haug98 p. 11-16: put theta per day = -0.0855 (theta per year / 365)', () => {
  const theta = blackScholesValues(option('put', 430, 405, 0.07, 0.05, 0.2, 1 / 12)).theta;
  assert.ok(Math.abs(theta / 365 - -0.0855) <= 1e-4, `theta/365 = ${theta / 365}`);
});

// Self-consistency on top of the literature: every Greek is the derivative of the
// price it ships with (central differences), for calls and puts with a dividend yield.
// Catches a sign or unit slip in a branch the fixtures above do not reach.
const BUMP_CASES: readonly OptionParameters[] = [
  option('call', 95, 100, 0.03, 0.02, 0.25, 1.5),
  option('put', 95, 100, 0.03, 0.02, 0.25, 1.5),
  option('put', 120, 100, -0.01, 0.04, 0.6, 0.3),
];

for (const p of BUMP_CASES) {
  test(`Greeks are derivatives of the price: ${p.type} S=${p.spot} q=${p.dividendYield} r=${p.rate}`, () => {
    const v = blackScholesValues(p);
    const price = (change: Partial<OptionParameters>) => blackScholesValues({ ...p, ...change }).price;
    const h = 1e-4;
    const checks: ReadonlyArray<readonly [string, number, number]> = [
      ['delta', v.delta, (price({ spot: p.spot + h }) - price({ spot: p.spot - h })) / (2 * h)],
      ['gamma', v.gamma, (price({ spot: p.spot + h }) - 2 * v.price + price({ spot: p.spot - h })) / (h * h)],
      ['vega', v.vega, (price({ volatility: p.volatility + h }) - price({ volatility: p.volatility - h })) / (2 * h)],
      ['theta', v.theta, -(price({ maturity: p.maturity + h }) - price({ maturity: p.maturity - h })) / (2 * h)],
      ['rho', v.rho, (price({ rate: p.rate + h }) - price({ rate: p.rate - h })) / (2 * h)],
    ];
    for (const [name, analytic, numeric] of checks) {
      assert.ok(Math.abs(analytic - numeric) <= 1e-5 * Math.max(1, Math.abs(analytic)), `${name}: ${analytic} vs ${numeric}`);
    }
  });
}

test('put-call parity: C - P = S·e^{-qT} - K·e^{-rT}', () => {
  const call = option('call', 87, 90, 0.04, 0.015, 0.45, 2);
  const parity = call.spot * Math.exp(-call.dividendYield * call.maturity) - call.strike * Math.exp(-call.rate * call.maturity);
  const difference = blackScholesValues(call).price - blackScholesValues({ ...call, type: 'put' }).price;
  assert.ok(Math.abs(difference - parity) <= 1e-12 * call.spot);
});

test('outputs come in the declared order', () => {
  assert.deepEqual(Object.keys(evaluate(option('call', 42, 40, 0.1, 0, 0.2, 0.5), 0)), [...blackScholes.outputs]);
});

test('black-scholes takes no options', () => {
  assert.deepEqual(blackScholes.optionsSchema.parse({}), {});
  assert.equal(blackScholes.optionsSchema.safeParse({ paths: 1000 }).success, false);
});

const FAILING: ReadonlyArray<readonly [label: string, p: OptionParameters, message: RegExp]> = [
  ['negative volatility', option('call', 42, 40, 0.1, 0, -0.2, 0.5), /^volatility must be > 0 \(got -0.2\)$/],
  ['zero maturity', option('put', 42, 40, 0.1, 0, 0.2, 0), /^maturity must be > 0/],
  ['NaN spot', option('call', Number.NaN, 40, 0.1, 0, 0.2, 0.5), /^spot must be a finite number/],
  ['a discount factor that overflows', option('put', 42, 40, -1000, 0, 0.2, 1), /not a finite number/],
];

for (const [label, p, message] of FAILING) {
  test(`${label} fails the parameter set with DomainError`, () => {
    assert.throws(
      () => evaluate(p, 0),
      (error: unknown) => error instanceof DomainError && message.test(error.message),
    );
  });
}
