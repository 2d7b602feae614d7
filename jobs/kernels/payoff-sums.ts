/**
 * The payoff loops of the European Monte Carlo pricers (pseudo-random and Sobol): each
 * adds the (undiscounted) payoffs of a block of GBM shocks σ√T·z to running sums
 * [Σ(y − shift), Σ(y − shift)²], y a path's payoff (or an antithetic pair's average).
 * Payoffs avoid unpredictable sign branches: max(x, 0) = (x + |x|)/2.
 */

/** Adds the averages of the antithetic pairs (shock, -shock) to `sums`. */
export function addAntitheticPayoffs(
  shocks: Float64Array,
  count: number,
  driftedSpot: number,
  strike: number,
  omega: number,
  shift: number,
  sums: Float64Array,
): void {
  let sum = sums[0]!;
  let sumSq = sums[1]!;
  for (let i = 0; i < count; i += 1) {
    const e = Math.exp(shocks[i]!);
    const up = omega * (driftedSpot * e - strike);
    const down = omega * (driftedSpot / e - strike);
    const y = (up + Math.abs(up) + down + Math.abs(down)) * 0.25 - shift;
    sum += y;
    sumSq += y * y;
  }
  sums[0] = sum;
  sums[1] = sumSq;
}

/** Adds the payoffs of independent paths, one per shock, to `sums`. */
export function addPathPayoffs(
  shocks: Float64Array,
  count: number,
  driftedSpot: number,
  strike: number,
  omega: number,
  shift: number,
  sums: Float64Array,
): void {
  let sum = sums[0]!;
  let sumSq = sums[1]!;
  for (let i = 0; i < count; i += 1) {
    const x = omega * (driftedSpot * Math.exp(shocks[i]!) - strike);
    const y = (x + Math.abs(x)) * 0.5 - shift;
    sum += y;
    sumSq += y * y;
  }
  sums[0] = sum;
  sums[1] = sumSq;
}
