/**
 * Did the two kernels of the speed comparison compute the same thing? Both are
 * Monte Carlo estimates of one option with the same estimator and path count, so
 * each must lie within a few standard errors of the Black–Scholes value, and of
 * each other. Only the TypeScript side reports a standard error; mc_ref.c averages
 * the same antithetic samples over the same count, so its estimate has the same
 * standard error and the TypeScript one stands for both.
 */
import { blackScholesValues } from '../../jobs/kernels/black-scholes.ts';
import { REFERENCE_CLOSED_FORM, REFERENCE_OPTION } from './reference.ts';

/** How many standard errors apart two estimates of the same value may be ("a few"). */
export const PRICE_TOLERANCE_STD_ERRORS = 4;

/** One round's prices: the TypeScript price with its standard error, and the native price. */
export interface PricedRound {
  tsPrice: number;
  tsStdError: number;
  cPrice: number;
}

/** The verdict, with every deviation in standard errors so a near miss is visible too. */
export interface KernelPriceCheck {
  ok: boolean;
  blackScholes: number;
  toleranceStdErrors: number;
  /** Largest |deviation| / its standard error over the rounds, per comparison. */
  worstStdErrors: { tsVsBlackScholes: number; cVsBlackScholes: number; tsVsC: number };
  /** What disagreed, one line per failed comparison (empty when ok). */
  problems: string[];
}

/** Checks every round; the closed form is computed here, and the README's 4.7594 checked against it. */
export function checkKernelPrices(rounds: readonly PricedRound[], tolerance = PRICE_TOLERANCE_STD_ERRORS): KernelPriceCheck {
  const blackScholes = blackScholesValues(REFERENCE_OPTION).price;
  const problems: string[] = [];
  if (Math.abs(blackScholes - REFERENCE_CLOSED_FORM) > 5e-5) {
    problems.push(
      `the reference option's Black–Scholes value is ${blackScholes.toFixed(5)}, not the ${REFERENCE_CLOSED_FORM} mc_ref.c's README gives: the options differ`,
    );
  }
  if (rounds.length === 0) problems.push('no kernel round to check');
  const worst = { tsVsBlackScholes: 0, cVsBlackScholes: 0, tsVsC: 0 };
  rounds.forEach((r, i) => {
    if (!(r.tsStdError > 0) || !Number.isFinite(r.tsPrice) || !Number.isFinite(r.cPrice)) {
      problems.push(`round ${i + 1}: unusable output (TypeScript ${r.tsPrice} ± ${r.tsStdError}, native ${r.cPrice})`);
      return;
    }
    const comparisons: Array<[keyof typeof worst, string, number, number]> = [
      ['tsVsBlackScholes', `TypeScript ${r.tsPrice.toFixed(5)} vs Black–Scholes ${blackScholes.toFixed(5)}`, r.tsPrice - blackScholes, r.tsStdError],
      ['cVsBlackScholes', `native ${r.cPrice.toFixed(5)} vs Black–Scholes ${blackScholes.toFixed(5)}`, r.cPrice - blackScholes, r.tsStdError],
      ['tsVsC', `TypeScript ${r.tsPrice.toFixed(5)} vs native ${r.cPrice.toFixed(5)}`, r.tsPrice - r.cPrice, Math.SQRT2 * r.tsStdError],
    ];
    for (const [key, what, deviation, stdError] of comparisons) {
      const inStdErrors = Math.abs(deviation) / stdError;
      worst[key] = Math.max(worst[key], inStdErrors);
      if (inStdErrors > tolerance)
        problems.push(`round ${i + 1}: ${what} differ by ${inStdErrors.toFixed(1)} standard errors (${stdError.toExponential(2)}), more than ${tolerance}`);
    }
  });
  return { ok: problems.length === 0, blackScholes, toleranceStdErrors: tolerance, worstStdErrors: worst, problems };
}
