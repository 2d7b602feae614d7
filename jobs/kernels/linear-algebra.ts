/**
 * The little dense linear algebra `portfolio-var` needs, on row-major n×n matrices
 * held in one Float64Array (entry (i, j) at i·n + j).
 */

/** A Cholesky factorization: the lower factor, or the first pivot that was not positive. */
export type CholeskyResult =
  | { readonly ok: true; readonly lower: Float64Array }
  | {
      readonly ok: false;
      /** 1-based number of the failing pivot: the leading `pivot`×`pivot` block is not positive-definite. */
      readonly pivot: number;
      /** a_jj − Σ_k<j L_jk², the would-be square of L_jj (≤ 0, or NaN). */
      readonly value: number;
    };

/**
 * Cholesky-Banachiewicz factorization A = L·Lᵀ of a symmetric matrix, reading only
 * its lower triangle. It succeeds exactly when every pivot a_jj − Σ_k<j L_jk² is
 * > 0, i.e. when A is positive-definite to working precision; a positive
 * semi-definite A (e.g. two perfectly correlated assets) fails with a pivot of 0 or
 * a rounding-sized one of either sign. O(n³/3) flops.
 */
export function cholesky(matrix: Float64Array, n: number): CholeskyResult {
  if (matrix.length !== n * n) throw new RangeError(`expected ${n}×${n} = ${n * n} entries, got ${matrix.length}`);
  const lower = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) {
    const rowI = i * n;
    for (let j = 0; j <= i; j += 1) {
      const rowJ = j * n;
      let sum = matrix[rowI + j]!;
      for (let k = 0; k < j; k += 1) sum -= lower[rowI + k]! * lower[rowJ + k]!;
      if (i === j) {
        if (!(sum > 0)) return { ok: false, pivot: j + 1, value: sum };
        lower[rowI + i] = Math.sqrt(sum);
      } else {
        lower[rowI + j] = sum / lower[rowJ + j]!;
      }
    }
  }
  return { ok: true, lower };
}

/** Lᵀ·x for a lower-triangular L (row-major n×n): (Lᵀx)_j = Σ_{i ≥ j} L_ij·x_i. */
export function lowerTransposeTimes(lower: Float64Array, x: Float64Array): Float64Array {
  const n = x.length;
  if (lower.length !== n * n) throw new RangeError(`expected ${n}×${n} = ${n * n} entries, got ${lower.length}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const xi = x[i]!;
    const row = i * n;
    for (let j = 0; j <= i; j += 1) out[j] = out[j]! + lower[row + j]! * xi;
  }
  return out;
}
