/**
 * The portfolio-var kernel's numbers: Hull's closed-form σ and VaR, Student-t tails,
 * ES above VaR, and reproducible scenarios per (seed, index). Its inputs' checks are in
 * portfolio-var-inputs.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalPdf } from '../../../jobs/kernels/normal.ts';
import { factorCorrelation, type PortfolioParameters } from '../../../jobs/kernels/portfolio-parameters.ts';
import { pnlLoadings, portfolioVar, type PortfolioVarOptions } from '../../../jobs/kernels/portfolio-var.ts';
import { evaluator, HULL_ONE, HULL_TWO } from '../../support/portfolio-fixtures.ts';

/** z with N(z) = 0.99; Hull rounds it to 2.326. */
const Z_99 = 2.3263478740408408;
/** Closed-form normal ES per unit σ at 99%: φ(z)/(1 − c). */
const NORMAL_ES_99 = normalPdf(Z_99) / 0.01;

// As Hull prints them (Options, Futures, and Other Derivatives; Risk Management and Financial
// Institutions): the 10-day σ of the one-position portfolio, and its 10-day 99% VaR, 2.33 × 632,456.
const HULL_ONE_SIGMA = 632_456;
const HULL_ONE_VAR = 1_473_621;
const HULL_TWO_SIGMA = 220_227; // √(200,000² + 50,000² + 2·0.3·200,000·50,000), as Hull prints it

const within = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual} vs ${expected} (±${relative * 100}%)`);

test('Hull: $10M at 2% a day has a 10-day σ of $632,456 and a 10-day 99% VaR of $1,473,621; ES matches φ(z)/(1 − c)·σ (1,000,000 paths)', () => {
  const { var: valueAtRisk, es, pnlStdDev } = evaluator({ paths: 1_000_000, seed: 1 })(HULL_ONE, 0);
  within(valueAtRisk!, HULL_ONE_VAR, 0.01, 'VaR');
  within(es!, HULL_ONE_SIGMA * NORMAL_ES_99, 0.01, 'ES'); // 1,685,612
  within(pnlStdDev!, HULL_ONE_SIGMA, 0.01, 'σ');
  assert.ok(es! > valueAtRisk!);
});

test('Hull: $10M at 2% and $5M at 1% with correlation 0.3 have a 1-day σ of $220,227 (1,000,000 paths)', () => {
  const { var: valueAtRisk, es, pnlStdDev, pnlMean } = evaluator({ paths: 1_000_000, seed: 2 })(HULL_TWO, 0);
  within(pnlStdDev!, HULL_TWO_SIGMA, 0.01, 'σ');
  within(valueAtRisk!, HULL_TWO_SIGMA * 2.326, 0.01, 'VaR'); // 512,248
  within(es!, HULL_TWO_SIGMA * NORMAL_ES_99, 0.01, 'ES');
  assert.ok(Math.abs(pnlMean!) < 4 * (HULL_TWO_SIGMA / 1000), `mean ${pnlMean} (standard error σ/1000)`);
});

// Hull's continuation of the example: the two positions' 10-day 99% VaR, 2.33 × 220,227 × √10,
// against 1,473,621 + 368,405 for the positions alone (a diversification benefit of $219,369).
const HULL_TWO_VAR_10_DAY = 1_622_657;
const HULL_APPLE_VAR_10_DAY = 368_405;

test('Hull: the two positions have a 10-day 99% VaR of $1,622,657, $219,369 below the sum of their own (1,000,000 paths)', () => {
  const tenDay = evaluator({ paths: 1_000_000, seed: 5 });
  const together = tenDay({ ...HULL_TWO, horizonDays: 10 }, 0).var!;
  const apple = tenDay({ positions: [{ value: 5e6, dailyVolatility: 0.01 }], correlation: [[1]], horizonDays: 10, confidence: 0.99 }, 1).var!;
  within(together, HULL_TWO_VAR_10_DAY, 0.01, 'VaR of both');
  within(apple, HULL_APPLE_VAR_10_DAY, 0.01, 'VaR of the $5M position');
  within(HULL_ONE_VAR + HULL_APPLE_VAR_10_DAY - together, 219_369, 0.1, 'diversification benefit');
});

test('the P&L loadings carry exactly the portfolio σ of the closed form', () => {
  const loadings = pnlLoadings(HULL_TWO, factorCorrelation(HULL_TWO));
  const sigma = Math.hypot(...loadings);
  within(sigma, Math.sqrt(200_000 ** 2 + 50_000 ** 2 + 2 * 0.3 * 200_000 * 50_000), 1e-14, 'σ');
});

test('a short hedge: long and short $10M at 2% with correlation 0.9 leaves σ = $200,000·√0.2', () => {
  const hedge: PortfolioParameters = {
    positions: [
      { value: 10e6, dailyVolatility: 0.02 },
      { value: -10e6, dailyVolatility: 0.02 },
    ],
    correlation: [
      [1, 0.9],
      [0.9, 1],
    ],
    horizonDays: 1,
    confidence: 0.99,
  };
  const sigma = 200_000 * Math.sqrt(0.2);
  const { var: valueAtRisk, pnlStdDev } = evaluator({ paths: 50_000, seed: 3 })(hedge, 0);
  within(pnlStdDev!, sigma, 0.02, 'σ');
  within(valueAtRisk!, Z_99 * sigma, 0.03, 'VaR');
});

// Student t quantiles t_ν(0.99) from the tables, and the density constant
// Γ((ν+1)/2)/(√(νπ)·Γ(ν/2)). Scaled to unit variance, VaR = σ·√((ν−2)/ν)·t and
// ES = σ·√((ν−2)/ν)·g_ν(t)/(1 − c)·(ν + t²)/(ν − 1).
const STUDENT_T: ReadonlyArray<readonly [nu: number, quantile: number, densityConstant: number, esChecked: boolean]> = [
  [3, 4.540703, 0.367552597, false], // ES estimates converge slowly when the fourth moment is infinite
  [4, 3.746947, 0.375, false],
  [5, 3.36493, 0.3796066898, true],
  [10, 2.763769, 0.3891083839, true],
];

const normalOnHullOne = evaluator({ paths: 200_000, seed: 4 })(HULL_ONE, 0);

for (const [nu, quantile, densityConstant, esChecked] of STUDENT_T) {
  test(`student-t with ν = ${nu}: VaR${esChecked ? ' and ES match' : ' matches'} the scaled t, the tail is fatter than the normal's (200,000 paths)`, () => {
    const { var: valueAtRisk, es, pnlStdDev } = evaluator({ paths: 200_000, seed: 4, distribution: 'student-t', degreesOfFreedom: nu })(HULL_ONE, 0);
    const scale = HULL_ONE_SIGMA * Math.sqrt((nu - 2) / nu);
    within(valueAtRisk!, scale * quantile, 0.03, 'VaR');
    if (esChecked) {
      const density = densityConstant * (1 + (quantile * quantile) / nu) ** (-(nu + 1) / 2);
      within(es!, ((scale * density) / 0.01) * ((nu + quantile * quantile) / (nu - 1)), 0.04, 'ES');
    }
    if (nu <= 5) {
      assert.ok(valueAtRisk! > HULL_ONE_SIGMA * Z_99, `VaR ${valueAtRisk} above the normal's closed form`);
      assert.ok(valueAtRisk! > normalOnHullOne.var!, `VaR ${valueAtRisk} above the normal's simulation ${normalOnHullOne.var}`);
      assert.ok(es! > normalOnHullOne.es!);
    }
    if (nu >= 5) within(pnlStdDev!, HULL_ONE_SIGMA, 0.03, 'σ (unit-variance scaling)');
    assert.ok(es! > valueAtRisk!);
  });
}

const ES_ABOVE_VAR: ReadonlyArray<readonly [label: string, p: PortfolioParameters, options: Partial<PortfolioVarOptions>]> = [
  ['normal, 97.5%', { ...HULL_TWO, confidence: 0.975 }, {}],
  ['normal, 10 days, 95%', { ...HULL_TWO, horizonDays: 10, confidence: 0.95 }, {}],
  ['student-t ν = 6, 99.9%', { ...HULL_TWO, confidence: 0.999 }, { distribution: 'student-t', degreesOfFreedom: 6 }],
];

for (const [label, p, options] of ES_ABOVE_VAR) {
  test(`ES is above VaR: ${label}`, () => {
    const { var: valueAtRisk, es } = evaluator({ paths: 20_000, seed: 5, ...options })(p, 0);
    assert.ok(valueAtRisk! > 0 && es! > valueAtRisk!, `VaR ${valueAtRisk}, ES ${es}`);
  });
}

test('identical bits for the same (seed, index), whatever the evaluator computed before', () => {
  for (const options of [
    { paths: 5000, seed: 9 },
    { paths: 5000, seed: 9, distribution: 'student-t', degreesOfFreedom: 5 },
  ] as const) {
    const fresh = evaluator(options)(HULL_TWO, 4242);
    const busy = evaluator(options);
    busy(HULL_ONE, 1);
    busy({ ...HULL_TWO, confidence: 0.9 }, 4242);
    const again = busy(HULL_TWO, 4242);
    for (const output of portfolioVar.outputs) assert.ok(Object.is(again[output], fresh[output]), output);
  }
});

test('different indices and different seeds draw different scenarios', () => {
  const base = evaluator({ paths: 5000, seed: 5 })(HULL_TWO, 0).var;
  assert.notEqual(evaluator({ paths: 5000, seed: 5 })(HULL_TWO, 1).var, base);
  assert.notEqual(evaluator({ paths: 5000, seed: 6 })(HULL_TWO, 0).var, base);
});

test('outputs come in the declared order', () => {
  assert.deepEqual(Object.keys(evaluator({ paths: 100 })(HULL_ONE, 0)), [...portfolioVar.outputs]);
});

test('a portfolio with no volatility has no risk: every output is 0 (never -0)', () => {
  const flat = evaluator({ paths: 100 })({ ...HULL_TWO, positions: HULL_TWO.positions.map((p) => ({ ...p, dailyVolatility: 0 })) }, 0);
  for (const output of portfolioVar.outputs) assert.ok(Object.is(flat[output], 0), `${output} ${flat[output]}`);
});
