/**
 * The exact sums of a shard's values as they travel in its partial, and the mean,
 * M2 and standard deviation they give, each rounded once from the exact value.
 *
 * Merging adds the shards' fixed-point sums as big integers, so the merged Σx and
 * Σx² are exact and the same for any split of the values into shards and any merge
 * order; then
 *   mean   = Σx / n,
 *   M2     = Σx² − (Σx)²/n,
 *   stddev = √(M2 / (n − 1)),
 * are computed as exact rationals and rounded to the nearest double once (ties to
 * even). The results are functions of the multiset of values alone.
 */
import { SQUARE_UNIT_BITS, SUM_UNIT_BITS, type ExactMomentSums } from './exact-sum.ts';

/**
 * Exact sums of a shard's values, as signed hexadecimal integers with their trailing
 * zero bits counted instead of written ("-0x1f3bp1012" is −0x1f3b · 2^1012): a sum of
 * values of one magnitude has its bits in a narrow window of the fixed-point range.
 */
export interface EncodedExactSums {
  /** Σx in units of 2^-1074. */
  s: string;
  /** Σx² in units of 2^-2274. */
  q: string;
}

/** Serializes a shard's exact sums. */
export function encodeExactSums(sums: ExactMomentSums): EncodedExactSums {
  return { s: encodeInteger(sums.sumValue()), q: encodeInteger(sums.squaresValue()) };
}

const SUM_SCALE = BigInt(SUM_UNIT_BITS);
const SQUARE_SCALE = BigInt(SQUARE_UNIT_BITS);
const ENCODED = /^(-?)0x([0-9a-f]+)(?:p(\d{1,5}))?$/;

/** The exact merged sums of several shards, as fixed-point big integers. */
export interface MergedExactSums {
  count: number;
  /** Σx · 2^1074. */
  sum: bigint;
  /** Σx² · 2^2274. */
  squares: bigint;
}

/** Adds the shards' exact sums; undefined when one is not a well-formed integer (then the caller merges the old way). */
export function mergeExactSums(parts: readonly { count: number; exact: EncodedExactSums }[]): MergedExactSums | undefined {
  let count = 0;
  let sum = 0n;
  let squares = 0n;
  for (const { count: n, exact } of parts) {
    const s = decodeInteger(exact.s);
    const q = decodeInteger(exact.q);
    if (s === undefined || q === undefined) return undefined;
    count += n;
    sum += s;
    squares += q;
  }
  return { count, sum, squares };
}

/** A big integer as `[-]0x<hex>p<trailing zero bits>` (see {@link EncodedExactSums}). */
export function encodeInteger(value: bigint): string {
  if (value === 0n) return '0x0';
  const magnitude = value < 0n ? -value : value;
  // The lowest set bit: magnitude & −magnitude is 2^zeros.
  const zeros = (magnitude & -magnitude).toString(2).length - 1;
  return `${value < 0n ? '-' : ''}0x${(magnitude >> BigInt(zeros)).toString(16)}${zeros ? `p${zeros}` : ''}`;
}

/** The integer {@link encodeInteger} wrote, or undefined for anything else. */
export function decodeInteger(text: string): bigint | undefined {
  const match = ENCODED.exec(text);
  if (!match) return undefined;
  const magnitude = BigInt(`0x${match[2]}`) << BigInt(match[3] ?? 0);
  return match[1] ? -magnitude : magnitude;
}

/** Mean, M2 and sample standard deviation of merged sums, each rounded once. */
export function exactMoments(merged: MergedExactSums): { mean: number; m2: number; stddev: number } {
  const { count, sum, squares } = merged;
  if (count === 0) return { mean: 0, m2: 0, stddev: 0 };
  const n = BigInt(count);
  // n·M2 · 2^2274 = n·Σx²·2^2274 − (Σx·2^1074)²·2^126, exactly, never negative.
  const nM2 = n * squares - ((sum * sum) << (SQUARE_SCALE - 2n * SUM_SCALE));
  const squareUnit = 1n << SQUARE_SCALE;
  return {
    mean: roundQuotient(sum, n << SUM_SCALE),
    m2: roundQuotient(nM2, n * squareUnit),
    stddev: count > 1 ? roundSquareRoot(nM2, n * (n - 1n) * squareUnit) : 0,
  };
}

/** The double nearest numerator / denominator (denominator > 0), ties to even. */
export function roundQuotient(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) return 0;
  const negative = numerator < 0n;
  const a = negative ? -numerator : numerator;
  // Scale so the quotient has at least 66 bits, then keep an inexact remainder as a sticky bit:
  // Number() of a big integer rounds to nearest, ties to even, and the sticky bit breaks false ties.
  const shift = 66 - (bitLength(a) - bitLength(denominator));
  const [n, d] = shift >= 0 ? [a << BigInt(shift), denominator] : [a, denominator << BigInt(-shift)];
  const quotient = n / d;
  const sticky = quotient * d === n ? 0n : 1n;
  const value = scaleByPowerOfTwo(Number((quotient << 1n) | sticky), -(shift + 1));
  return negative ? -value : value;
}

/** The double nearest √(numerator / denominator) (numerator ≥ 0, denominator > 0). */
export function roundSquareRoot(numerator: bigint, denominator: bigint): number {
  if (numerator <= 0n) return 0;
  // ⌊√⌊x⌋⌋ = ⌊√x⌋: scale x = numerator·4^k / denominator to at least 140 bits, take the integer root.
  const half = Math.max(0, Math.ceil((140 - (bitLength(numerator) - bitLength(denominator))) / 2));
  const scaled = numerator << BigInt(2 * half);
  const x = scaled / denominator;
  const root = integerSquareRoot(x);
  const sticky = root * root === x && x * denominator === scaled ? 0n : 1n;
  return scaleByPowerOfTwo(Number((root << 1n) | sticky), -(half + 1));
}

function integerSquareRoot(x: bigint): bigint {
  if (x < 2n) return x;
  // Newton from above: start at a power of two ≥ √x.
  let r = 1n << BigInt(Math.ceil(bitLength(x) / 2));
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** x · 2^e in steps that stay exact while the result is a normal double. */
function scaleByPowerOfTwo(x: number, e: number): number {
  let value = x;
  let left = e;
  while (left > 1000) {
    value *= 2 ** 1000;
    left -= 1000;
  }
  while (left < -1000) {
    value *= 2 ** -1000;
    left += 1000;
  }
  return value * 2 ** left;
}
