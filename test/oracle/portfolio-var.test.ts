/**
 * Oracle tier: `portfolio-var` (Monte Carlo) against the parametric VaR and ES of the
 * same linear portfolio, computed independently in Python: σ = √(aᵀCa) by numpy, the
 * quantile by scipy's `ppf`, the expected shortfall by numerical integration (Gauss–Legendre) of scipy's density over
 * the tail, for normal P&L and for Student t P&L (ν = 5, 8, 12) scaled
 * to unit variance.
 *
 * The kernel estimates from 20,000 scenarios, so it differs from the parametric figure
 * by its sampling error, which the oracle also gives (asymptotic, from the same
 * distribution): √(p(1−p)/n)/f(q)·σ for VaR, √([Var(L | L ≥ VaR) + c·(ES − VaR)²]/(n·p))
 * for ES (p = 1 − c), σ/√n for the mean, σ·√((κ−1)/(4n)) for the standard deviation
 * (κ the kurtosis). Pass: every output within 4 of those standard errors on ≥ 99% of
 * the cases, as for any estimator that is right and whose error is known; a wrong
 * scaling (√h, the t's variance) or a quantile off by one rank shows up at once.
 * Random portfolios: 1 to 6 positions, long and short, values 10^4 to 10^7, daily
 * volatilities 0.5% to 5%, correlations from a two-factor model, horizons 1 to 20 days,
 * confidence 95% to 99.5%.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { portfolioVar } from '../../jobs/kernels/portfolio-var.ts';
import type { PortfolioParameters } from '../../jobs/kernels/portfolio-parameters.ts';
import { streamFor } from '../../jobs/kernels/rng.ts';
import { askOracle } from './support/oracle.ts';

const PATHS = 20_000;
const PER_DISTRIBUTION = 75;
const DISTRIBUTIONS = [
  { distribution: 'normal' },
  { distribution: 'student-t', degreesOfFreedom: 5 },
  { distribution: 'student-t', degreesOfFreedom: 8 },
  { distribution: 'student-t', degreesOfFreedom: 12 },
] as const;

type Case = PortfolioParameters & { distribution: string; degreesOfFreedom?: number };

function drawPortfolio(u: () => number): PortfolioParameters {
  const n = 1 + Math.floor(u() * 6);
  const positions = Array.from({ length: n }, () => ({
    value: (u() < 0.3 ? -1 : 1) * Math.exp(Math.log(1e4) + u() * Math.log(1e3)),
    dailyVolatility: 0.005 + 0.045 * u(),
  }));
  // Two-factor correlations: C = B·Bᵀ + diag(1 − |b_i|²), unit diagonal and positive-definite.
  const loadings = positions.map(() => {
    const b = [-0.7 + 1.4 * u(), -0.6 + 1.2 * u()];
    const norm = Math.hypot(b[0]!, b[1]!);
    return norm > 0.95 ? b.map((x) => (x * 0.95) / norm) : b;
  });
  const correlation = loadings.map((bi, i) => loadings.map((bj, j) => (i === j ? 1 : bi[0]! * bj[0]! + bi[1]! * bj[1]!)));
  return { positions, correlation, horizonDays: 1 + Math.floor(u() * 20), confidence: 0.95 + 0.045 * u() };
}

const OUTPUTS = [
  { output: 'var', reference: 'var', error: 'varStdError' },
  { output: 'es', reference: 'es', error: 'esStdError' },
  { output: 'pnlStdDev', reference: 'sigma', error: 'stdDevStdError' },
] as const;

interface Outcome {
  item: Case;
  ours: Record<string, number>;
  oracle: Record<string, number>;
}
let outcomes: Outcome[] = [];

before(async () => {
  const stream = streamFor(41, 0);
  const u = () => stream.nextDouble();
  const cases: Case[] = DISTRIBUTIONS.flatMap((d) => Array.from({ length: PER_DISTRIBUTION }, () => ({ ...drawPortfolio(u), ...d })));
  // Python integrates while the kernel simulates.
  const asked = askOracle({ kind: 'parametric-var', paths: PATHS, cases });
  const ours = DISTRIBUTIONS.flatMap((d, k) => {
    const evaluate = portfolioVar.prepare({ paths: PATHS, seed: 43, ...d });
    return cases
      .slice(k * PER_DISTRIBUTION, (k + 1) * PER_DISTRIBUTION)
      .map(({ distribution: _d, degreesOfFreedom: _nu, ...params }, i) => evaluate(params, k * PER_DISTRIBUTION + i));
  });
  const { results } = await asked;
  outcomes = cases.map((item, i) => ({ item, ours: ours[i]!, oracle: results[i]! }));
});

function zScores(output: string, reference: string, error: string) {
  return outcomes.map((o) => ({ ...o, z: (o.ours[output]! - o.oracle[reference]!) / o.oracle[error]! }));
}

for (const { output, reference, error } of OUTPUTS) {
  test(`portfolio-var ${output}: within 4 sampling standard errors of scipy's parametric figure on ≥ 99% of ${PER_DISTRIBUTION * DISTRIBUTIONS.length} portfolios (normal and Student t)`, (t) => {
    const scored = zScores(output, reference, error);
    const share = scored.filter((s) => Math.abs(s.z) <= 4).length / scored.length;
    const sorted = [...scored].sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
    const worstRelative = Math.max(...scored.map((s) => Math.abs(s.ours[output]! / s.oracle[reference]! - 1)));
    t.diagnostic(
      `${output}: ${(share * 100).toFixed(1)}% within 4 SE, worst |z| ${Math.abs(sorted[0]!.z).toFixed(2)}, worst relative deviation ${worstRelative.toExponential(2)}`,
    );
    const worst = sorted
      .slice(0, 5)
      .map((s) => `  z ${s.z.toFixed(2)}: ours ${s.ours[output]} vs ${s.oracle[reference]} ± ${s.oracle[error]} for ${JSON.stringify(s.item)}`)
      .join('\n');
    assert.ok(share >= 0.99, `only ${(share * 100).toFixed(1)}% within 4 standard errors; worst:\n${worst}`);
  });
}

test('portfolio-var pnlMean: the model mean is 0, within 4 σ/√n on ≥ 99% of the portfolios', () => {
  const z = outcomes.map((o) => o.ours.pnlMean! / (o.oracle.sigma! / Math.sqrt(PATHS)));
  assert.ok(z.filter((x) => Math.abs(x) <= 4).length / z.length >= 0.99, `worst |z| ${Math.max(...z.map(Math.abs))}`);
});

test('the check can fail: the normal VaR taken for a Student t (or √h forgotten) is far outside 4 standard errors', () => {
  const t5 = outcomes.filter((o) => o.item.degreesOfFreedom === 5 && o.item.confidence > 0.99);
  assert.ok(t5.length > 5);
  // The unit-variance t5 99.5% quantile is ~2.9% higher than the normal's; at 20,000 paths that is many standard errors.
  const flagged = t5.filter((o) => Math.abs(o.oracle.sigma! * 2.5758 - o.oracle.var!) / o.oracle.varStdError! > 4);
  assert.ok(flagged.length > 0);
  const noHorizon = outcomes
    .filter((o) => o.item.horizonDays > 1)
    .map((o) => (o.ours.var! / Math.sqrt(o.item.horizonDays) - o.oracle.var!) / o.oracle.varStdError!);
  assert.ok(noHorizon.every((z) => Math.abs(z) > 4));
});
