/**
 * What quasi-Monte Carlo buys on Hull's example (the kernel section's reference
 * option, S=42, K=40, r=10%, σ=20%, T=0.5): paths needed to reach a standard error
 * with `"sequence": "sobol"` against the pseudo-random default, both antithetic.
 *
 * Pseudo-random error is σ/√N, so its paths for a target ε are N·(SE(N)/ε)² from one
 * large run. Scrambled Sobol error falls faster than 1/√N, so it is measured at
 * doubling path counts (16 scramblings each, the default) until it reaches ε; the
 * standard error at each count is the root mean square over several seeds (one
 * 16-scrambling estimate is itself uncertain by ~18%). The error-adjusted speed-up is
 * pseudo-random paths over Sobol paths for the same ε, and the same in CPU time
 * (Sobol points cost more each: a hash and Φ⁻¹ instead of the polar method).
 */
import { blackScholesValues } from '../../jobs/kernels/black-scholes.ts';
import { createQmcWorkspace, priceEuropeanSobol } from '../../jobs/kernels/european-option-qmc.ts';
import { createWorkspace, priceEuropeanMonteCarlo } from '../../jobs/kernels/european-option-mc.ts';
import { streamFor } from '../../jobs/kernels/rng.ts';
import { REFERENCE_OPTION } from './reference.ts';

/** Paths each method needs for one target standard error, and the speed-ups. */
export interface QmcTarget {
  targetStdError: number;
  /** Pseudo-random, antithetic: N·(SE(N)/ε)². */
  pseudoPaths: number;
  /** Sobol, antithetic: interpolated log-log between the two measured counts around ε. */
  sobolPaths: number;
  /** pseudoPaths / sobolPaths. */
  pathSpeedUp: number;
  /** The same in CPU time (per-path costs below). */
  timeSpeedUp: number;
}

/** The QMC figures. */
export interface QmcFigures {
  option: string;
  closedForm: number;
  scramblings: number;
  /** The pseudo-random run: paths and standard error. */
  pseudoRunPaths: number;
  pseudoRunStdError: number;
  pseudoNsPerPath: number;
  sobolNsPerPath: number;
  targets: QmcTarget[];
  /** Every Sobol step: paths, RMS standard error over the seeds, RMS error against the closed form. */
  series: { paths: number; stdError: number; rmsError: number }[];
}

export function benchQmc(options: { targets: readonly number[]; seeds: number; pseudoPaths: number }): QmcFigures {
  const p = REFERENCE_OPTION;
  const exact = blackScholesValues(p).price;
  const scramblings = 16;

  // Warm up both pricers, then one large pseudo-random run.
  priceEuropeanMonteCarlo(streamFor(1, 0), p, { paths: 1e6, antithetic: true }, createWorkspace());
  priceEuropeanSobol(streamFor(1, 0), p, { paths: 1e6, antithetic: true, scramblings }, createQmcWorkspace());
  let started = performance.now();
  const pseudo = priceEuropeanMonteCarlo(streamFor(2, 0), p, { paths: options.pseudoPaths, antithetic: true }, createWorkspace());
  const pseudoNsPerPath = ((performance.now() - started) * 1e6) / options.pseudoPaths;
  const smallest = Math.min(...options.targets);

  const series: QmcFigures['series'] = [];
  const workspace = createQmcWorkspace();
  let sobolNsPerPath = NaN;
  for (let paths = scramblings * 2 * 64; ; paths *= 2) {
    let squares = 0;
    let errors = 0;
    started = performance.now();
    for (let seed = 0; seed < options.seeds; seed++) {
      const estimate = priceEuropeanSobol(streamFor(100 + seed, 0), p, { paths, antithetic: true, scramblings }, workspace);
      squares += estimate.stdError ** 2;
      errors += (estimate.price - exact) ** 2;
    }
    sobolNsPerPath = ((performance.now() - started) * 1e6) / (paths * options.seeds);
    const point = { paths, stdError: Math.sqrt(squares / options.seeds), rmsError: Math.sqrt(errors / options.seeds) };
    series.push(point);
    if (point.stdError <= smallest || paths >= 2 ** 30) break;
  }
  const targets = options.targets.map((target) => {
    const pseudoPaths = options.pseudoPaths * (pseudo.stdError / target) ** 2;
    const sobolPaths = interpolatedPaths(series, target);
    return {
      targetStdError: target,
      pseudoPaths,
      sobolPaths,
      pathSpeedUp: pseudoPaths / sobolPaths,
      timeSpeedUp: (pseudoPaths * pseudoNsPerPath) / (sobolPaths * sobolNsPerPath),
    };
  });
  return {
    option: `Hull's call S=${p.spot} K=${p.strike} r=${p.rate} σ=${p.volatility} T=${p.maturity}`,
    closedForm: exact,
    scramblings,
    pseudoRunPaths: options.pseudoPaths,
    pseudoRunStdError: pseudo.stdError,
    pseudoNsPerPath,
    sobolNsPerPath,
    targets,
    series,
  };
}

/** Paths at which the series' standard error crosses `target`, log-log between the measured counts around it. */
function interpolatedPaths(series: QmcFigures['series'], target: number): number {
  const after = series.findIndex((point) => point.stdError <= target);
  if (after < 0) return NaN;
  if (after === 0) return series[0]!.paths;
  const a = series[after - 1]!;
  const b = series[after]!;
  const slope = Math.log(b.stdError / a.stdError) / Math.log(b.paths / a.paths);
  return a.paths * (target / a.stdError) ** (1 / slope);
}
