/** The option `shared/bench/mc_ref.c` prices (its parameters are fixed in the C source). */
import type { OptionParameters } from '../../jobs/kernels/option-parameters.ts';

export const REFERENCE_OPTION: OptionParameters = {
  type: 'call',
  spot: 42,
  strike: 40,
  rate: 0.1,
  dividendYield: 0,
  volatility: 0.2,
  maturity: 0.5,
};

/** Its Black–Scholes value, to check both Monte Carlo prices against. */
export const REFERENCE_CLOSED_FORM = 4.7594;
