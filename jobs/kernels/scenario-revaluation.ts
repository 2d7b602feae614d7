/**
 * Full revaluation of one book under market scenarios: each parameter set moves
 * spots, volatilities and the rate and lets time pass, and the kernel reprices every
 * position (Black–Scholes–Merton for options, spot for delta-one holdings) and
 * reports the P&L against today's value. With `aggregate.expectedShortfall`, the run's
 * VaR and ES are the tail of these P&Ls (shared/stats/tail-risk.ts).
 */
import { blackScholesValues } from './black-scholes.ts';
import { DomainError, type Kernel } from './kernel.ts';
import { marketScenarioSchema, scenarioPortfolioSchema, type MarketScenario, type ScenarioPortfolio, type ScenarioPosition } from './scenario-portfolio.ts';

/** Calendar days per year of `horizonDays` (maturities are in years of 365 days). */
const DAYS_PER_YEAR = 365;

/** The market one valuation sees, per underlying in book order. */
interface Market {
  spots: Float64Array;
  volShifts: Float64Array;
  rate: number;
  elapsedYears: number;
}

/** The book in arrays: each position's underlying as an index. */
interface PreparedBook {
  names: string[];
  underlyings: ScenarioPortfolio['underlyings'][string][];
  positions: ReadonlyArray<ScenarioPosition & { at: number }>;
  rate: number;
}

function prepareBook(book: ScenarioPortfolio): PreparedBook {
  const names = Object.keys(book.underlyings);
  const at = new Map(names.map((name, i) => [name, i]));
  return {
    names,
    underlyings: names.map((name) => book.underlyings[name]!),
    positions: book.positions.map((p) => ({ ...p, at: at.get(p.underlying)! })),
    rate: book.rate,
  };
}

/**
 * The book's value in `market`. An option whose expiry falls within the elapsed time
 * is worth its payoff at the scenario's spot (settled, no carry over the remaining days).
 */
function bookValue(book: PreparedBook, market: Market): number {
  let total = 0;
  book.positions.forEach((position, i) => {
    const spot = market.spots[position.at]!;
    if (position.type === 'underlying') {
      total += position.quantity * spot;
      return;
    }
    const underlying = book.underlyings[position.at]!;
    const maturity = position.maturity - market.elapsedYears;
    let unit: number;
    if (maturity <= 0) {
      unit = Math.max(0, position.type === 'call' ? spot - position.strike : position.strike - spot);
    } else {
      const volatility = (position.volatility ?? underlying.volatility) + market.volShifts[position.at]!;
      if (!(volatility > 0)) {
        throw new DomainError(
          `the volatility shift takes position ${i} (${position.type} ${position.underlying} ${position.strike}) to volatility ${volatility}; it must stay > 0`,
        );
      }
      unit = blackScholesValues({
        type: position.type,
        spot,
        strike: position.strike,
        rate: market.rate,
        dividendYield: underlying.dividendYield,
        volatility,
        maturity,
      }).price;
    }
    total += position.quantity * unit;
  });
  return total;
}

function todaysMarket(book: PreparedBook): Market {
  return { spots: Float64Array.from(book.underlyings, (u) => u.spot), volShifts: new Float64Array(book.names.length), rate: book.rate, elapsedYears: 0 };
}

/** The market of one scenario; throws {@link DomainError} naming the field at fault. */
function scenarioMarket(book: PreparedBook, scenario: MarketScenario): Market {
  for (const field of ['spotReturn', 'volShift', 'rateShift', 'horizonDays'] as const) {
    if (!Number.isFinite(scenario[field])) throw new DomainError(`${field} must be a finite number (got ${scenario[field]})`);
  }
  if (!(scenario.horizonDays >= 0)) throw new DomainError(`horizonDays must be >= 0 (got ${scenario.horizonDays})`);
  const spotReturns = perUnderlying(book, 'spotReturns', scenario.spotReturns, scenario.spotReturn);
  const volShifts = perUnderlying(book, 'volShifts', scenario.volShifts, scenario.volShift);
  const spots = new Float64Array(book.names.length);
  book.underlyings.forEach((u, i) => {
    const r = spotReturns[i]!;
    if (!(r > -1)) {
      const field = scenario.spotReturns && Object.hasOwn(scenario.spotReturns, book.names[i]!) ? `spotReturns.${book.names[i]}` : 'spotReturn';
      throw new DomainError(`${field} must be > -1, a spot cannot fall 100% or more (got ${r})`);
    }
    spots[i] = u.spot * (1 + r);
  });
  return { spots, volShifts, rate: book.rate + scenario.rateShift, elapsedYears: scenario.horizonDays / DAYS_PER_YEAR };
}

function perUnderlying(book: PreparedBook, field: string, overrides: Record<string, number> | undefined, common: number): Float64Array {
  const out = new Float64Array(book.names.length).fill(common);
  for (const [name, value] of Object.entries(overrides ?? {})) {
    const i = book.names.indexOf(name);
    if (i < 0) throw new DomainError(`${field}: unknown underlying "${name}"; the book's underlyings are ${book.names.join(', ')}`);
    if (!Number.isFinite(value)) throw new DomainError(`${field}.${name} must be a finite number (got ${value})`);
    out[i] = value;
  }
  return out;
}

/** Today's value of a book (the base its scenario P&Ls are measured from). */
export function baseValue(book: ScenarioPortfolio): number {
  const prepared = prepareBook(book);
  return bookValue(prepared, todaysMarket(prepared));
}

/** The book, and today's value finite: a book that overflows is refused at the edge, not in every scenario. */
const bookOptionsSchema = scenarioPortfolioSchema.superRefine((book, ctx) => {
  if (!book.positions.every((p) => Object.hasOwn(book.underlyings, p.underlying))) return; // reported by the schema
  const value = baseValue(book);
  if (!Number.isFinite(value)) {
    ctx.addIssue({
      code: 'custom',
      path: ['positions'],
      message: `today's value of the book is ${value}: quantities, spots or rate × maturity overflow double precision`,
    });
  }
});

/**
 * `scenario-revaluation`: outputs `pnl` (scenario value − today's value; the zero
 * scenario gives exactly 0) and `value` (the book's value in the scenario).
 * Deterministic: no random numbers, a fixed summation order.
 */
export const scenarioRevaluation: Kernel<ScenarioPortfolio, MarketScenario> = {
  name: 'scenario-revaluation',
  description: 'Full revaluation of one book of options and delta-one positions under market scenarios: P&L per scenario',
  optionsSchema: bookOptionsSchema,
  parametersSchema: marketScenarioSchema,
  outputs: ['pnl', 'value'],
  prepare(options) {
    const book = prepareBook(options);
    const base = bookValue(book, todaysMarket(book));
    return (scenario) => {
      const value = bookValue(book, scenarioMarket(book, scenario));
      const pnl = value - base;
      if (!Number.isFinite(value) || !Number.isFinite(pnl)) {
        throw new DomainError(`the book's value in this scenario is ${value} (today ${base}): the shocked spots or rate overflow double precision`);
      }
      return { pnl, value };
    };
  },
};
