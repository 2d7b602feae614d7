/**
 * European option by randomized quasi-Monte Carlo: the GBM terminal values of
 * european-option-mc.ts, their normals z = Φ⁻¹(u) from an Owen-scrambled Sobol
 * sequence (sobol.ts) instead of pseudo-random uniforms. The paths are split over
 * `scramblings` independent scramblings of the same points; each gives an unbiased
 * price, and their spread gives the standard error (the points within one scrambling
 * are not independent, so the sample spread of paths would overstate it).
 */
import { inverseNormalCdf } from './inverse-normal.ts';
import type { OptionParameters } from './option-parameters.ts';
import { addAntitheticPayoffs, addPathPayoffs } from './payoff-sums.ts';
import type { Xoshiro256Plus } from './rng.ts';
import { fillScrambledSobol } from './sobol.ts';

/** Points per block: small enough to stay in L1. */
const BLOCK = 2048;

/** Buffers reused across calls. */
export interface QuasiMonteCarloWorkspace {
  readonly uniforms: Float64Array;
  readonly shocks: Float64Array;
  readonly sums: Float64Array;
}

/** Allocates the buffers {@link priceEuropeanSobol} reuses. */
export function createQmcWorkspace(): QuasiMonteCarloWorkspace {
  return { uniforms: new Float64Array(BLOCK), shocks: new Float64Array(BLOCK), sums: new Float64Array(2) };
}

/**
 * Sobol points per scrambling for `paths` paths: ⌈paths / scramblings⌉, halved (up) with
 * antithetic pairs (each point gives two paths). A power of two is where the scrambled
 * points are balanced best: choose paths = scramblings · 2^m (· 2 with antithetic).
 */
export function pointsPerScrambling(paths: number, scramblings: number, antithetic: boolean): number {
  return Math.max(1, Math.ceil(paths / scramblings / (antithetic ? 2 : 1)));
}

/**
 * Prices a European option with `scramblings` independent Owen scramblings of the
 * first {@link pointsPerScrambling} Sobol points, each keyed by a 32-bit seed drawn from
 * `seeds` (the parameter set's own stream, so the result depends only on the kernel
 * seed and the parameter index). Price: the mean of the scramblings' prices; standard
 * error: their sample standard deviation / √scramblings.
 */
export function priceEuropeanSobol(
  seeds: Xoshiro256Plus,
  p: OptionParameters,
  settings: { paths: number; antithetic: boolean; scramblings: number },
  workspace: QuasiMonteCarloWorkspace = createQmcWorkspace(),
): { price: number; stdError: number } {
  const { uniforms, shocks, sums } = workspace;
  const omega = p.type === 'call' ? 1 : -1;
  const vol = p.volatility * Math.sqrt(p.maturity);
  const driftedSpot = p.spot * Math.exp((p.rate - p.dividendYield - 0.5 * p.volatility * p.volatility) * p.maturity);
  const shift = Math.max(omega * (p.spot * Math.exp((p.rate - p.dividendYield) * p.maturity) - p.strike), 0);
  const addPayoffs = settings.antithetic ? addAntitheticPayoffs : addPathPayoffs;
  const points = pointsPerScrambling(settings.paths, settings.scramblings, settings.antithetic);
  let sum = 0;
  let sumSq = 0;
  for (let r = 0; r < settings.scramblings; r++) {
    const seed = Number(seeds.nextUint64() >> 32n);
    sums[0] = 0;
    sums[1] = 0;
    for (let first = 0; first < points; first += BLOCK) {
      const count = Math.min(BLOCK, points - first);
      fillScrambledSobol(uniforms, count, first, seed);
      for (let i = 0; i < count; i++) shocks[i] = vol * inverseNormalCdf(uniforms[i]!);
      addPayoffs(shocks, count, driftedSpot, p.strike, omega, shift, sums);
    }
    // Each scrambling's mean payoff minus the shift, kept near 0 so the spread does not cancel.
    const estimate = sums[0]! / points;
    sum += estimate;
    sumSq += estimate * estimate;
  }
  const n = settings.scramblings;
  const mean = sum / n;
  const variance = Math.max(sumSq - sum * mean, 0) / (n - 1);
  const discount = Math.exp(-p.rate * p.maturity);
  return { price: discount * (shift + mean), stdError: discount * Math.sqrt(variance / n) };
}
