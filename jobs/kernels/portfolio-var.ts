/**
 * Value at risk and expected shortfall of a linear portfolio by Monte Carlo, in the
 * model-building approach of Hull, "Risk Management and Financial Institutions"
 * (ch. "Model-Building Approach"): P&L over h days = Σ_i v_i·σ_i·√h·Z_i, the Z_i
 * standard normal with the positions' correlations, or a multivariate Student t
 * scaled to unit variance for fatter tails.
 */
import { z } from 'zod';
import { GammaSampler, NormalSampler } from './distributions.ts';
import { DomainError, type Kernel } from './kernel.ts';
import { lowerTransposeTimes } from './linear-algebra.ts';
import { factorCorrelation, portfolioParametersSchema, type PortfolioParameters } from './portfolio-parameters.ts';
import { streamFor } from './rng.ts';
import { tailRisk } from './tail-risk.ts';

/** Options of `portfolio-var`. */
export const portfolioVarOptionsSchema = z
  .object({
    /** Simulated P&L scenarios per parameter set (8 bytes of memory each). */
    paths: z.number().int().min(100).max(10_000_000).default(100_000),
    /** Kernel seed; parameter set i uses stream `streamFor(seed, i)`. */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Joint distribution of the standardized returns Z. */
    distribution: z.enum(['normal', 'student-t']).default('normal'),
    /** ν of the Student t; required with `student-t`, not allowed with `normal`. */
    degreesOfFreedom: z.number().gt(2, { error: 'must be > 2: a Student t with 2 or fewer degrees of freedom has no variance to scale' }).optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    if (options.distribution === 'student-t' && options.degreesOfFreedom === undefined) {
      ctx.addIssue({ code: 'custom', path: ['degreesOfFreedom'], message: 'is required with distribution "student-t": give a number > 2, e.g. 4' });
    }
    if (options.distribution === 'normal' && options.degreesOfFreedom !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['degreesOfFreedom'],
        message: 'applies only to distribution "student-t"; remove it, or set distribution to "student-t"',
      });
    }
  });

/** Options of `portfolio-var` after defaults. */
export type PortfolioVarOptions = z.infer<typeof portfolioVarOptionsSchema>;

/** Normals generated per chunk of paths (at least one path's worth), small enough to stay in L1/L2. */
const CHUNK_NORMALS = 4096;

/**
 * The P&L's loading on each independent normal: b = Lᵀ·a with a_i = v_i·σ_i·√h and
 * L·Lᵀ the correlation matrix, because Σ_i a_i·(L·ε)_i = Σ_j (Lᵀa)_j·ε_j. Drawing ε
 * and taking b·ε gives the same P&L as forming Z = L·ε and then a·Z, in O(n) per path
 * instead of O(n²).
 */
export function pnlLoadings(p: PortfolioParameters, lower: Float64Array): Float64Array {
  const scale = Math.sqrt(p.horizonDays);
  const exposures = Float64Array.from(p.positions, (position) => position.value * position.dailyVolatility * scale);
  return lowerTransposeTimes(lower, exposures);
}

/**
 * Fills `pnl` with one P&L per path: b·ε for n independent normals ε, drawn path by
 * path, in order, from `normals`. With `mixing` (the Gamma(ν/2) sampler of a Student
 * t with ν degrees of freedom), each chunk of paths first takes its n normals per path
 * and then one mixing draw G per path, and path p's P&L is multiplied by
 * √((ν−2)/(2G)): with W = 2G/ν ~ χ²_ν/ν, that is the unit-variance multivariate t
 * Z = L·ε/√W·√((ν−2)/ν), all positions sharing one W in a scenario.
 */
export function simulatePnl(normals: NormalSampler, loadings: Float64Array, mixing: GammaSampler | null, pnl: Float64Array): void {
  const n = loadings.length;
  const pathsPerChunk = Math.max(1, Math.floor(CHUNK_NORMALS / n));
  const epsilon = new Float64Array(pathsPerChunk * n);
  const halfExcess = mixing ? mixing.shape - 1 : 0; // (ν − 2)/2
  for (let start = 0; start < pnl.length; start += pathsPerChunk) {
    const chunk = Math.min(pathsPerChunk, pnl.length - start);
    normals.fill(epsilon, chunk * n);
    for (let path = 0; path < chunk; path += 1) {
      const offset = path * n;
      let sum = 0;
      for (let j = 0; j < n; j += 1) sum += loadings[j]! * epsilon[offset + j]!;
      pnl[start + path] = sum;
    }
    if (mixing) {
      for (let path = 0; path < chunk; path += 1) pnl[start + path]! *= Math.sqrt(halfExcess / mixing.next(normals));
    }
  }
}

/** Sample mean and sample standard deviation (n − 1), in two passes for accuracy. */
export function sampleMoments(values: Float64Array): { mean: number; stdDev: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) sum += values[i]!;
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i += 1) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return { mean, stdDev: Math.sqrt(squares / (values.length - 1)) };
}

/**
 * `portfolio-var`: outputs `var` and `es` (positive when the tail loses money) at the
 * parameter set's confidence over its horizon, by the empirical estimator of
 * {@link tailRisk}, and the simulated P&L's `pnlMean` (the model's is 0) and
 * `pnlStdDev`. Deterministic by (seed, parameter index).
 */
export const portfolioVar: Kernel<PortfolioVarOptions, PortfolioParameters> = {
  name: 'portfolio-var',
  description: 'Portfolio VaR and expected shortfall by Monte Carlo: linear positions, correlated normal or Student t returns',
  optionsSchema: portfolioVarOptionsSchema,
  parametersSchema: portfolioParametersSchema,
  outputs: ['var', 'es', 'pnlMean', 'pnlStdDev'],
  prepare(options) {
    const pnl = new Float64Array(options.paths);
    const mixing = options.distribution === 'student-t' ? new GammaSampler(requiredDegreesOfFreedom(options) / 2) : null;
    return (params, index) => {
      const loadings = pnlLoadings(params, factorCorrelation(params));
      simulatePnl(new NormalSampler(streamFor(options.seed, index)), loadings, mixing, pnl);
      const { mean, stdDev } = sampleMoments(pnl);
      if (!Number.isFinite(mean) || !Number.isFinite(stdDev)) {
        throw new DomainError(
          `the simulated P&L overflows double precision (mean ${mean}, standard deviation ${stdDev}); ` +
            'position values × volatilities × √horizonDays are too large',
        );
      }
      const { valueAtRisk, expectedShortfall } = tailRisk(pnl, params.confidence);
      return { var: valueAtRisk, es: expectedShortfall, pnlMean: mean, pnlStdDev: stdDev };
    };
  },
};

function requiredDegreesOfFreedom(options: PortfolioVarOptions): number {
  // The options schema guarantees it; this guards a caller that skipped the schema.
  if (options.degreesOfFreedom === undefined) throw new RangeError('distribution "student-t" needs degreesOfFreedom');
  return options.degreesOfFreedom;
}
