/**
 * The book and the market scenarios of `scenario-revaluation`: the portfolio (kernel
 * options, checked once at the edge) and one scenario (a parameter set, whose domain
 * problems fail only that set).
 */
import { z } from 'zod';

/** Most positions in a book (each scenario revalues all of them). */
export const MAX_SCENARIO_POSITIONS = 10_000;
/** Most underlyings in a book. */
export const MAX_UNDERLYINGS = 1000;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positive = finite.refine((x) => x > 0, 'must be > 0');
const underlyingName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, ".", "_", ":" and "-", starting with a letter or digit');

/** A market variable the book's positions are written on. */
const underlyingSchema = z
  .object({
    /** Price today, > 0. */
    spot: positive,
    /** Black–Scholes volatility of its options (per year), > 0; a position may set its own. */
    volatility: positive,
    /** Continuous dividend yield (per year). */
    dividendYield: finite.default(0),
  })
  .strict();

/** A holding of the underlying itself (shares, an index future's delta-one exposure): value = quantity × spot. */
const linearPositionSchema = z.object({ type: z.literal('underlying'), underlying: underlyingName, quantity: finite }).strict();

/** A European option held `quantity` times (negative: written), valued by Black–Scholes–Merton. */
const optionPositionSchema = z
  .object({
    type: z.enum(['call', 'put']),
    underlying: underlyingName,
    quantity: finite,
    strike: positive,
    /** Years to expiry today. */
    maturity: positive,
    /** This option's implied volatility, when it is not the underlying's (a smile). */
    volatility: positive.optional(),
  })
  .strict();

/** The book of `scenario-revaluation` (its kernel options). */
export const scenarioPortfolioSchema = z
  .object({
    /** Continuously compounded risk-free rate (per year) today. */
    rate: finite,
    underlyings: z.record(underlyingName, underlyingSchema).refine((u) => Object.keys(u).length >= 1 && Object.keys(u).length <= MAX_UNDERLYINGS, {
      error: `list 1 to ${MAX_UNDERLYINGS} underlyings`,
    }),
    positions: z
      .array(z.discriminatedUnion('type', [linearPositionSchema, optionPositionSchema]))
      .min(1, { error: 'list at least one position' })
      .max(MAX_SCENARIO_POSITIONS, { error: `at most ${MAX_SCENARIO_POSITIONS} positions` }),
  })
  .strict()
  .superRefine((book, ctx) => {
    const names = Object.keys(book.underlyings);
    book.positions.forEach((position, i) => {
      if (!Object.hasOwn(book.underlyings, position.underlying)) {
        ctx.addIssue({
          code: 'custom',
          path: ['positions', i, 'underlying'],
          message: `unknown underlying "${position.underlying}"; the book's underlyings are ${names.join(', ')}`,
        });
      }
    });
  });

/** The book after defaults. */
export type ScenarioPortfolio = z.infer<typeof scenarioPortfolioSchema>;
/** One position of the book. */
export type ScenarioPosition = ScenarioPortfolio['positions'][number];

/**
 * Any JavaScript number, NaN and ±Infinity included: a non-finite shock is a domain
 * problem of that one scenario, reported with its index, not a malformed input.
 */
const anyNumber = z.custom<number>((value) => typeof value === 'number', {
  error: (issue) => `expected a number, received ${issue.input === undefined ? 'nothing' : JSON.stringify(issue.input)}`,
});

/** One market scenario: shocks applied to today's market, and time passed. */
export const marketScenarioSchema = z
  .object({
    /** A label carried into the results (a date of a historical scenario, an id); not used. */
    scenario: z.union([z.string().max(200), z.number()]).optional(),
    /** Simple return of every underlying's spot: S' = S·(1 + spotReturn), > −1. */
    spotReturn: anyNumber.default(0),
    /** Absolute shift of every option's volatility (0.02 = +2 vol points). */
    volShift: anyNumber.default(0),
    /** Absolute shift of the rate (0.0025 = +25 bp). */
    rateShift: anyNumber.default(0),
    /** Calendar days passed: maturities shorten by horizonDays/365; >= 0. */
    horizonDays: anyNumber.default(0),
    /** Per-underlying spot returns, overriding `spotReturn` for the names given. */
    spotReturns: z.record(z.string(), anyNumber).optional(),
    /** Per-underlying volatility shifts, overriding `volShift` for the names given. */
    volShifts: z.record(z.string(), anyNumber).optional(),
  })
  .strict();

/** One scenario after defaults. */
export type MarketScenario = z.infer<typeof marketScenarioSchema>;
