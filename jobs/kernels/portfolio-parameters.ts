/**
 * One `portfolio-var` parameter set: a linear portfolio of positions with daily
 * volatilities and a correlation matrix. Its shape (schema) and its domain (the checks
 * that fail only that parameter set, with a message that says what to fix).
 */
import { z } from 'zod';
import { DomainError } from './kernel.ts';
import { cholesky } from './linear-algebra.ts';

/** Most positions in one parameter set (the correlation matrix has their square). */
export const MAX_POSITIONS = 500;

/**
 * Any JavaScript number, NaN and ±Infinity included (JSON's 1e400 parses as
 * Infinity): a non-finite value is a domain problem of that one parameter set,
 * reported by {@link factorCorrelation} with its index, not a malformed input.
 */
const anyNumber = z.custom<number>((value) => typeof value === 'number', {
  error: (issue) => `expected a number, received ${issue.input === undefined ? 'nothing' : JSON.stringify(issue.input)}`,
});

/** One position: its value today and the daily volatility of its return. */
const positionSchema = z
  .object({
    /** Value in the reporting currency; negative for a short position. */
    value: anyNumber,
    /** Standard deviation of the daily return (0.02 = 2% a day), >= 0. */
    dailyVolatility: anyNumber,
  })
  .strict();

/** Shape of one portfolio parameter set; the n×n correlation matrix must match the n positions. */
export const portfolioParametersSchema = z
  .object({
    positions: z
      .array(positionSchema)
      .min(1, { error: 'list at least one position' })
      .max(MAX_POSITIONS, { error: `at most ${MAX_POSITIONS} positions per parameter set` }),
    /** Correlations of the positions' returns, row i and column j for positions i and j. */
    correlation: z.array(z.array(anyNumber).max(MAX_POSITIONS)).max(MAX_POSITIONS),
    /** Horizon in trading days; P&L volatility scales with √horizonDays. */
    horizonDays: anyNumber.default(1),
    /** Confidence level c of VaR and ES, 0 < c < 1. */
    confidence: anyNumber.default(0.99),
  })
  .strict()
  .superRefine((p, ctx) => {
    const n = p.positions.length;
    if (p.correlation.length !== n) {
      ctx.addIssue({ code: 'custom', path: ['correlation'], message: `must be ${n}×${n}, one row per position (got ${p.correlation.length} rows)` });
      return;
    }
    p.correlation.forEach((row, i) => {
      if (row.length !== n) {
        ctx.addIssue({ code: 'custom', path: ['correlation', i], message: `must have ${n} entries, one per position (got ${row.length})` });
      }
    });
  });

/** One portfolio parameter set after defaults. */
export type PortfolioParameters = z.infer<typeof portfolioParametersSchema>;

/** Symmetry and unit-diagonal tolerance, relative to the unit diagonal (so absolute). */
const CORRELATION_TOLERANCE = 1e-12;

/**
 * Checks the domain and returns the Cholesky factor L (row-major n×n) of the
 * correlation matrix, built from its lower triangle. Throws {@link DomainError},
 * checking in this order: non-finite numbers; a negative volatility; horizonDays <= 0;
 * confidence outside (0, 1); a correlation diagonal entry that is not 1 or an entry
 * outside [-1, 1]; an asymmetric matrix (|ρ_ij − ρ_ji| > 1e-12); a matrix that is not
 * positive-definite.
 */
export function factorCorrelation(p: PortfolioParameters): Float64Array {
  const n = p.positions.length;
  p.positions.forEach((position, i) => {
    for (const field of ['value', 'dailyVolatility'] as const) {
      requireFinite(`positions.${i}.${field}`, position[field]);
    }
  });
  requireFinite('horizonDays', p.horizonDays);
  requireFinite('confidence', p.confidence);
  p.correlation.forEach((row, i) => {
    row.forEach((entry, j) => {
      requireFinite(`correlation.${i}.${j}`, entry);
    });
  });

  p.positions.forEach((position, i) => {
    if (position.dailyVolatility < 0) throw new DomainError(`positions.${i}.dailyVolatility must be >= 0 (got ${position.dailyVolatility})`);
  });
  if (!(p.horizonDays > 0)) throw new DomainError(`horizonDays must be > 0 (got ${p.horizonDays})`);
  if (!(p.confidence > 0 && p.confidence < 1)) throw new DomainError(`confidence must be between 0 and 1, exclusive, e.g. 0.99 (got ${p.confidence})`);

  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      const entry = p.correlation[i]![j]!;
      if (i === j && Math.abs(entry - 1) > CORRELATION_TOLERANCE) {
        throw new DomainError(`correlation.${i}.${i} must be 1, the correlation of position ${i} with itself (got ${entry})`);
      }
      if (i !== j && Math.abs(entry) > 1) throw new DomainError(`correlation.${i}.${j} is ${entry}; a correlation must be between -1 and 1`);
      matrix[i * n + j] = entry;
    }
  }
  for (let i = 1; i < n; i += 1) {
    for (let j = 0; j < i; j += 1) {
      const below = matrix[i * n + j]!;
      const above = matrix[j * n + i]!;
      if (Math.abs(below - above) > CORRELATION_TOLERANCE) {
        throw new DomainError(`correlation is not symmetric: correlation.${i}.${j} is ${below} but correlation.${j}.${i} is ${above}`);
      }
    }
  }

  const factor = cholesky(matrix, n);
  if (!factor.ok) {
    const last = factor.pivot - 1;
    throw new DomainError(
      `correlation is not positive-definite (Cholesky pivot ${factor.pivot} is ${Number(factor.value.toPrecision(3))}): ` +
        `the correlations among positions 0 to ${last} contradict each other; ` +
        'fix them (e.g. with a nearest-correlation-matrix repair), and merge perfectly correlated positions into one',
    );
  }
  return factor.lower;
}

function requireFinite(field: string, value: number): void {
  if (!Number.isFinite(value)) throw new DomainError(`${field} must be a finite number (got ${value})`);
}
