/**
 * Portfolios from Hull, "Risk Management and Financial Institutions", model-building
 * approach: a $10M position with a 2% daily volatility, and that position plus $5M at
 * 1% a day with correlation 0.3. Shared by the portfolio-var kernel's tests.
 */
import type { PortfolioParameters } from '../../jobs/kernels/portfolio-parameters.ts';
import { portfolioVar, type PortfolioVarOptions } from '../../jobs/kernels/portfolio-var.ts';

export const HULL_ONE: PortfolioParameters = { positions: [{ value: 10e6, dailyVolatility: 0.02 }], correlation: [[1]], horizonDays: 10, confidence: 0.99 };
export const HULL_TWO: PortfolioParameters = {
  positions: [
    { value: 10e6, dailyVolatility: 0.02 },
    { value: 5e6, dailyVolatility: 0.01 },
  ],
  correlation: [
    [1, 0.3],
    [0.3, 1],
  ],
  horizonDays: 1,
  confidence: 0.99,
};

/** The kernel's evaluator for `options` (the schema's defaults for the rest). */
export const evaluator = (options: Partial<PortfolioVarOptions>) => portfolioVar.prepare(portfolioVar.optionsSchema.parse(options));
