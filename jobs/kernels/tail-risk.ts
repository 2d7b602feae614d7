/**
 * Value at risk and expected shortfall from simulated profit-and-loss samples, by
 * the empirical distribution: a quantile chosen by quickselect (expected O(N)),
 * not a full sort.
 */
import { tailMass } from '../../shared/stats/tail-risk.ts';

/** Loss figures at one confidence level, as positive amounts when the tail loses money. */
export interface TailRisk {
  /** −q, q = x_(k) the k-th smallest P&L, k = {@link tailCount}(N, c). */
  valueAtRisk: number;
  /** −(mean of every P&L ≤ q). */
  expectedShortfall: number;
}

/**
 * k = ⌈N·(1 − c)⌉, the number of samples in the (1 − c) tail: x_(k) is the lower
 * empirical (1 − c)-quantile, min{x : F_N(x) ≥ 1 − c}. N·(1 − c) within 1e-9
 * (relative) of an integer counts as that integer, so that 1 − 0.99 rounding up in
 * binary (to 0.010000000000000009) does not add a sample: N = 1,000,000 at 99% gives
 * k = 10,000. Always 1 ≤ k ≤ N.
 */
export function tailCount(samples: number, confidence: number): number {
  // The same snapping as the run-level figures (shared/stats/tail-risk.ts), so both count one tail.
  return Math.min(samples, Math.max(1, Math.ceil(tailMass(samples, confidence))));
}

/**
 * VaR and ES of the P&L samples at `confidence`: VaR = −x_(k) and ES = −(mean of all
 * x ≤ x_(k)), which is the mean of the k smallest unless samples tie with x_(k). For
 * c = 0.99 and N = 100,000: VaR is minus the 1,000th smallest P&L and ES minus the
 * mean of the 1,000 smallest. Reorders `pnl` in place (a partial sort); the samples
 * must not be NaN.
 */
export function tailRisk(pnl: Float64Array, confidence: number): TailRisk {
  const quantile = selectInPlace(pnl, tailCount(pnl.length, confidence) - 1);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < pnl.length; i += 1) {
    const x = pnl[i]!;
    if (x <= quantile) {
      sum += x;
      count += 1;
    }
  }
  // 0 − x, not −x: a flat portfolio reports 0, never −0.
  return { valueAtRisk: 0 - quantile, expectedShortfall: 0 - sum / count };
}

/**
 * Moves the k-th smallest value (0-based) of `values` to index k, smaller-or-equal
 * ones before it and greater-or-equal ones after it, and returns it: Hoare's FIND
 * with a median-of-three pivot (expected linear time; ties split evenly, so many
 * equal values do not degrade it).
 */
export function selectInPlace(values: Float64Array, k: number): number {
  if (!(Number.isInteger(k) && k >= 0 && k < values.length)) throw new RangeError(`k must be an index of the ${values.length} values (got ${k})`);
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const middle = (left + right) >>> 1;
    // Order values[left] <= values[middle] <= values[right]; the median is the pivot.
    if (values[middle]! < values[left]!) swap(values, middle, left);
    if (values[right]! < values[left]!) swap(values, right, left);
    if (values[right]! < values[middle]!) swap(values, right, middle);
    const pivot = values[middle]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i += 1;
      while (values[j]! > pivot) j -= 1;
      if (i <= j) {
        swap(values, i, j);
        i += 1;
        j -= 1;
      }
    }
    // Now values[left..j] <= pivot, values[i..right] >= pivot, and anything between equals it.
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}

function swap(values: Float64Array, a: number, b: number): void {
  const t = values[a]!;
  values[a] = values[b]!;
  values[b] = t;
}
