/**
 * One European option parameter set, shared by the option kernels: its shape
 * (schema) and its domain (the checks that fail only that parameter set).
 */
import { z } from 'zod';
import { DomainError } from './kernel.ts';

/**
 * Any JavaScript number, NaN and ±Infinity included. The schema checks shape and
 * type only: a non-finite value is a domain problem of that one parameter set,
 * reported by {@link checkOptionDomain} with its index, not a malformed input.
 */
const anyNumber = z.custom<number>((value) => typeof value === 'number', {
  error: (issue) => `expected a number, received ${issue.input === undefined ? 'nothing' : JSON.stringify(issue.input)}`,
});

/** Shape of one option parameter set (rates and yields continuously compounded, per year). */
export const optionParametersSchema = z
  .object({
    type: z.enum(['call', 'put']),
    spot: anyNumber,
    strike: anyNumber,
    rate: anyNumber,
    dividendYield: anyNumber.default(0),
    volatility: anyNumber,
    /** Time to expiry in years. */
    maturity: anyNumber,
  })
  .strict();

/** One option parameter set after defaults. */
export type OptionParameters = z.infer<typeof optionParametersSchema>;

const OPTION_KEYS = new Set(['type', 'spot', 'strike', 'rate', 'dividendYield', 'volatility', 'maturity']);

/**
 * {@link optionParametersSchema}'s parse for the plain case, without the schema
 * machinery (a tenth of a Black-Scholes row's CPU went to it): every key known,
 * `type` call or put, every number a number, `dividendYield` defaulting to 0.
 * Undefined for anything else; the schema then decides and explains.
 */
export function acceptOptionParameters(raw: Record<string, unknown>): OptionParameters | undefined {
  const { type, spot, strike, rate, dividendYield, volatility, maturity } = raw;
  if (type !== 'call' && type !== 'put') return undefined;
  if (typeof spot !== 'number' || typeof strike !== 'number' || typeof rate !== 'number') return undefined;
  if (typeof volatility !== 'number' || typeof maturity !== 'number') return undefined;
  if (dividendYield !== undefined && typeof dividendYield !== 'number') return undefined;
  for (const key in raw) if (Object.hasOwn(raw, key) && !OPTION_KEYS.has(key)) return undefined;
  // The schema's output order: the shape's.
  return { type, spot, strike, rate, dividendYield: dividendYield ?? 0, volatility, maturity };
}

const NUMERIC_FIELDS = ['spot', 'strike', 'rate', 'dividendYield', 'volatility', 'maturity'] as const;
/** Fields that must be strictly positive; rates and yields may be zero or negative. */
const POSITIVE_FIELDS = ['spot', 'strike', 'volatility', 'maturity'] as const;

/**
 * Throws {@link DomainError} when the parameter set is outside the Black-Scholes
 * domain: a non-finite value anywhere, or spot, strike, volatility or maturity <= 0.
 * The message names the field and the offending value, e.g.
 * `volatility must be > 0 (got -0.2)`.
 */
export function checkOptionDomain(p: OptionParameters): void {
  for (const field of NUMERIC_FIELDS) {
    if (!Number.isFinite(p[field])) throw new DomainError(`${field} must be a finite number (got ${p[field]})`);
  }
  for (const field of POSITIVE_FIELDS) {
    if (!(p[field] > 0)) throw new DomainError(`${field} must be > 0 (got ${p[field]})`);
  }
}
