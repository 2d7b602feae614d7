/**
 * Exact sums of doubles and of their squares, so a run's mean and standard deviation
 * do not depend on how its values were split into shards nor on the order the
 * partials are merged in.
 *
 * Every finite double is an integer multiple of 2^-1074, so Σx is an integer in
 * units of 2^-1074: a long fixed-point number, kept here as 32-bit limbs in a
 * Float64Array (a superaccumulator, after Neal 2015). Adding a value adds its 53-bit
 * mantissa, shifted into place, to three limbs, whatever its magnitude: constant
 * time, no allocation. Limbs hold signed integers well inside 2^53 and carries are
 * propagated every 2^20 additions, so nothing is ever rounded.
 *
 * A square x² is split exactly into p + e by Dekker's product. Values too small or
 * too large for that split (|x| < 2^-480 or > 2^480, where e would underflow or the
 * split overflow) are scaled by 2^∓600 first and their p + e placed 1200 bits lower
 * or higher. Σx² is kept in units of 2^-2274, the unit of the smallest such part.
 */

/** 2^27 + 1: Veltkamp's constant, splits a double into two 26-bit halves. */
const SPLITTER = 134217729;
/** Squares of |x| within [2^-480, 2^480] split exactly without scaling. */
const SMALL = 2 ** -480;
const LARGE = 2 ** 480;
const UP = 2 ** 600;
const DOWN = 2 ** -600;

/** Σx is an integer in units of 2^-SUM_UNIT_BITS. */
export const SUM_UNIT_BITS = 1074;
/** Σx² is an integer in units of 2^-SQUARE_UNIT_BITS. */
export const SQUARE_UNIT_BITS = 2274;

const TWO_32 = 2 ** 32;
/** Additions between carry propagations: each adds < 2^32 to a limb, so limbs stay below 2^53. */
const ADDS_PER_NORMALIZE = 2 ** 20;

// The bit pattern of a double, read through a shared buffer (no allocation per value).
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW = LITTLE_ENDIAN ? 0 : 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;

/** An exact sum of doubles as a fixed-point integer, each double placed `shift` bits above its own unit of 2^-1074. */
export class FixedPointSum {
  private readonly limbs: Float64Array;
  private pending = 0;

  /** `bits`: the highest bit position any addition reaches (with its shift). */
  constructor(bitsNeeded: number) {
    this.limbs = new Float64Array(Math.ceil(bitsNeeded / 32) + 3);
  }

  /** Adds x · 2^shift exactly, in units of 2^-1074 (x finite; shift ≥ 0, an integer). */
  add(x: number, shift: number): void {
    bits[0] = x;
    const lo = words[LOW]!;
    const hi = words[HIGH]!;
    const biased = (hi >>> 20) & 0x7ff;
    const fraction = hi & 0xfffff;
    if (biased === 0 && fraction === 0 && lo === 0) return;
    // x = ±(top·2^32 + lo) · 2^(position − 1074), top the mantissa's upper 21 bits.
    const top = biased === 0 ? fraction : fraction | 0x100000;
    const position = (biased === 0 ? 0 : biased - 1) + shift;
    const k = position >>> 5;
    const s = position & 31;
    const l0 = (lo << s) >>> 0;
    const l1 = s === 0 ? top : ((lo >>> (32 - s)) | (top << s)) >>> 0;
    const l2 = s === 0 ? 0 : top >>> (32 - s);
    const limbs = this.limbs;
    if (hi >>> 31) {
      limbs[k]! -= l0;
      limbs[k + 1]! -= l1;
      limbs[k + 2]! -= l2;
    } else {
      limbs[k]! += l0;
      limbs[k + 1]! += l1;
      limbs[k + 2]! += l2;
    }
    if (++this.pending === ADDS_PER_NORMALIZE) this.normalize();
  }

  /** The sum as a big integer (in units of 2^-1074, shifted as added). */
  value(): bigint {
    this.normalize();
    let total = 0n;
    for (let i = this.limbs.length - 1; i >= 0; i--) total = (total << 32n) + BigInt(this.limbs[i]!);
    return total;
  }

  /** Carries: every limb but the top one into [0, 2^32); the top one keeps the sign. */
  private normalize(): void {
    const limbs = this.limbs;
    for (let i = 0; i < limbs.length - 1; i++) {
      const carry = Math.floor(limbs[i]! / TWO_32);
      limbs[i]! -= carry * TWO_32;
      limbs[i + 1]! += carry;
    }
    this.pending = 0;
  }
}

/** Exact Σx and Σx² of a stream of finite doubles. */
export class ExactMomentSums {
  /** Σx · 2^1074. */
  private readonly sum = new FixedPointSum(2100);
  /** Σx² · 2^2274. */
  private readonly squares = new FixedPointSum(4500);

  /** Adds a finite value. */
  add(x: number): void {
    this.sum.add(x, 0);
    const magnitude = Math.abs(x);
    if (magnitude >= SMALL && magnitude <= LARGE) this.addSquare(x, SQUARE_UNIT_BITS - SUM_UNIT_BITS);
    else if (magnitude > LARGE) this.addSquare(x * DOWN, SQUARE_UNIT_BITS - SUM_UNIT_BITS + 1200);
    else if (magnitude !== 0) this.addSquare(x * UP, SQUARE_UNIT_BITS - SUM_UNIT_BITS - 1200);
  }

  /** Σx in units of 2^-1074. */
  sumValue(): bigint {
    return this.sum.value();
  }

  /** Σx² in units of 2^-2274. */
  squaresValue(): bigint {
    return this.squares.value();
  }

  /** Adds x² · 2^(shift − 1200) as p + e (Dekker's product; x within [2^-480, 2^480]). */
  private addSquare(x: number, shift: number): void {
    const p = x * x;
    const c = SPLITTER * x;
    const hi = c - (c - x);
    const lo = x - hi;
    const e = hi * hi - p + 2 * hi * lo + lo * lo;
    this.squares.add(p, shift);
    this.squares.add(e, shift);
  }
}
