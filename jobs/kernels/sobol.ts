/**
 * A scrambled one-dimensional Sobol sequence, for quasi-Monte Carlo over one normal
 * per path (a one-step GBM path needs no more).
 *
 * The first dimension of every Sobol construction, Joe and Kuo's direction numbers
 * included (all its direction numbers are 1, i.e. v_k = 2^-k), is the base-2 van der
 * Corput sequence: point i is the bits of i reversed behind the binary point. It is
 * scrambled by Owen's nested uniform scrambling in the hash-based form of Burley,
 * "Practical Hash-based Owen Scrambling", JCGT 9(4), 2020: reverse the bits, apply the
 * Laine–Karras permutation keyed by a 32-bit seed (each output bit flipped by a hash
 * of the bits above it), reverse back. For the sequence's first 2^m points this gives
 * exactly one point in each interval [k/2^m, (k+1)/2^m), at a uniformly random place:
 * every scrambling is an unbiased estimate, and independent seeds give independent
 * estimates, whose spread is the standard error.
 */

const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/** The 32 bits of x in reverse order (as an unsigned integer). */
export function reverseBits32(x: number): number {
  let v = x >>> 0;
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

/** Burley's Laine–Karras-style hash: a permutation of 32-bit words in which output bit k depends only on input bits 0..k. */
function laineKarras(x: number, seed: number): number {
  let v = x >>> 0;
  v ^= Math.imul(v, 0x3d20adea);
  v = (v + seed) >>> 0;
  v = Math.imul(v, (seed >>> 16) | 1);
  v ^= Math.imul(v, 0x05526c56);
  v ^= Math.imul(v, 0x53a22864);
  return v >>> 0;
}

/**
 * Fills `out` with points `first`, `first + 1`, … of the Owen-scrambled one-dimensional
 * Sobol sequence keyed by `seed`, as uniforms in (0, 1): the 32-bit point plus half its
 * last unit, so none is 0 or 1 (the inverse normal stays finite, |z| < 6.4).
 */
export function fillScrambledSobol(out: Float64Array, count: number, first: number, seed: number): void {
  for (let i = 0; i < count; i++) {
    // Van der Corput point i is reverse(i); Owen's scramble is reverse ∘ LK ∘ reverse: reverse(LK(i)).
    out[i] = (reverseBits32(laineKarras(first + i, seed)) + 0.5) * TWO_POW_MINUS_32;
  }
}
