/**
 * European option price and Greeks in closed form: Black-Scholes-Merton with a
 * continuous dividend yield q (Merton 1973; Hull, "Options, Futures, and Other
 * Derivatives", ch. 17 and 19; Haug, "The Complete Guide to Option Pricing
 * Formulas", 2nd ed., ch. 1-2, with cost of carry b = r - q).
 */
import { z } from 'zod';
import { DomainError, type Kernel, type KernelOutputs } from './kernel.ts';
import { normalCdf, normalPdf } from './normal.ts';
import { acceptOptionParameters, checkOptionDomain, optionParametersSchema, type OptionParameters } from './option-parameters.ts';

/** `black-scholes` has no options besides `name`. */
export const blackScholesOptionsSchema = z.object({}).strict();

/** Options of `black-scholes` (none). */
export type BlackScholesOptions = z.infer<typeof blackScholesOptionsSchema>;

/** Price and Greeks of one European option, in the textbook (Hull) units. */
export interface BlackScholesValues extends KernelOutputs {
  price: number;
  /** ∂V/∂S. */
  delta: number;
  /** ∂²V/∂S². */
  gamma: number;
  /** ∂V/∂σ per 1.00 (100 percentage points) of volatility; divide by 100 for "per vol point". */
  vega: number;
  /** ∂V/∂t per year of calendar time (= -∂V/∂maturity); divide by 365 for "per day". */
  theta: number;
  /** ∂V/∂r per 1.00 of rate; divide by 100 for "per percentage point". */
  rho: number;
}

/** Closed-form price and Greeks. Assumes the parameters passed {@link checkOptionDomain}. */
export function blackScholesValues(p: OptionParameters): BlackScholesValues {
  const { spot: s, strike: k, rate: r, dividendYield: q, volatility: sigma, maturity: t } = p;
  const sqrtT = Math.sqrt(t);
  const volSqrtT = sigma * sqrtT;
  const d1 = (Math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / volSqrtT;
  const d2 = d1 - volSqrtT;
  const carried = s * Math.exp(-q * t); // S·e^{-qT}
  const discounted = k * Math.exp(-r * t); // K·e^{-rT}
  const density = carried * normalPdf(d1); // S·e^{-qT}·φ(d1), common to gamma, vega and theta
  const gamma = density / (s * s * volSqrtT);
  const vega = density * sqrtT;
  const decay = (-density * sigma) / (2 * sqrtT);
  if (p.type === 'call') {
    const nd1 = normalCdf(d1);
    const nd2 = normalCdf(d2);
    return {
      price: carried * nd1 - discounted * nd2,
      delta: Math.exp(-q * t) * nd1,
      gamma,
      vega,
      theta: decay - r * discounted * nd2 + q * carried * nd1,
      rho: t * discounted * nd2,
    };
  }
  // Put: N(-d) computed directly (not 1 - N(d)) so deep out-of-the-money puts keep their digits.
  const nMinusD1 = normalCdf(-d1);
  const nMinusD2 = normalCdf(-d2);
  return {
    price: discounted * nMinusD2 - carried * nMinusD1,
    delta: -Math.exp(-q * t) * nMinusD1,
    gamma,
    vega,
    theta: decay + r * discounted * nMinusD2 - q * carried * nMinusD1,
    rho: -t * discounted * nMinusD2,
  };
}

/** The outputs of `black-scholes`, in order. */
const BLACK_SCHOLES_OUTPUTS = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho'] as const;

/** `black-scholes`: outputs price, delta, gamma, vega, theta, rho. */
export const blackScholes: Kernel<BlackScholesOptions, OptionParameters> = {
  name: 'black-scholes',
  description: 'European call/put in closed form (Black-Scholes-Merton, dividend yield): price and Greeks',
  optionsSchema: blackScholesOptionsSchema,
  parametersSchema: optionParametersSchema,
  acceptParameters: acceptOptionParameters,
  outputs: BLACK_SCHOLES_OUTPUTS,
  prepare() {
    return (params) => {
      checkOptionDomain(params);
      const values = blackScholesValues(params);
      // Finite inputs can still overflow (e.g. rate·maturity > 709): fail this set, never emit NaN.
      // A loop over the names, not Object.entries: this runs once per row, and entries allocate.
      for (const name of BLACK_SCHOLES_OUTPUTS) {
        const value = values[name];
        if (!Number.isFinite(value)) throw new DomainError(`${name} is not a finite number (${value}): the parameters overflow double precision`);
      }
      return values;
    };
  },
};
