/**
 * Exact sums of doubles and of their squares, so a run's mean and standard deviation
 * do not depend on how its values were split into shards nor on the order the
 * partials are merged in.
 *
 * A sum is kept as a non-overlapping expansion (Shewchuk 1997; the algorithm of
 * Python's `math.fsum`): a short list of doubles whose exact, unrounded sum is the
 * exact sum of every value added, however many. Adding a value costs a few
 * error-free additions (TwoSum) per component, and there are two or three components
 * for values of similar magnitude. A square x² is split exactly into p + e by
 * Dekker's product; values too small or too large for that split (|x| < 2^-480 or
 * > 2^480, where e would underflow or the split overflow) are scaled by 2^±600 first
 * and their squares summed in an expansion of their own, scaled back exactly when
 * the partials are merged (exact-moments.ts). The one limit: a sum beyond the double
 * range (|Σx| or Σx² > 1.8e308) overflows, and the merge then says so.
 */

/** 2^27 + 1: Veltkamp's constant, splits a double into two 26-bit halves. */
const SPLITTER = 134217729;
/** Squares of |x| within [2^-480, 2^480] split exactly without scaling. */
const SMALL = 2 ** -480;
const LARGE = 2 ** 480;
/** The scale applied to values outside that range before squaring (2^600 and back). */
export const SQUARE_SCALE_EXPONENT = 600;
const UP = 2 ** SQUARE_SCALE_EXPONENT;
const DOWN = 2 ** -SQUARE_SCALE_EXPONENT;

/** The exact running sum of the doubles added, as a non-overlapping expansion. */
export class ExpansionSum {
  private parts = new Float64Array(8);
  private length = 0;

  /** Adds `x` exactly (a finite double). */
  add(x: number): void {
    let parts = this.parts;
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      let y = parts[i]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      // TwoSum with |x| >= |y|: hi + lo == x + y exactly.
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) parts[n++] = lo;
      x = hi;
    }
    if (n === parts.length) {
      const grown = new Float64Array(parts.length * 2);
      grown.set(parts);
      this.parts = parts = grown;
    }
    parts[n++] = x;
    this.length = n;
  }

  /** The components, smallest first; their exact sum is the sum of every value added. */
  components(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) if (this.parts[i] !== 0) out.push(this.parts[i]!);
    return out;
  }
}

/** Exact Σx and Σx² of a stream of finite doubles. */
export class ExactMomentSums {
  /** Σx. */
  readonly sum = new ExpansionSum();
  /** Σx² over |x| in [2^-480, 2^480]. */
  readonly squares = new ExpansionSum();
  /** Σ(x·2^600)² over 0 < |x| < 2^-480: Σx² scaled by 2^1200. */
  readonly smallSquares = new ExpansionSum();
  /** Σ(x·2^-600)² over |x| > 2^480: Σx² scaled by 2^-1200. */
  readonly largeSquares = new ExpansionSum();

  /** Adds a finite value. */
  add(x: number): void {
    this.sum.add(x);
    const magnitude = Math.abs(x);
    if (magnitude >= SMALL && magnitude <= LARGE) addSquare(this.squares, x);
    else if (magnitude > LARGE) addSquare(this.largeSquares, x * DOWN);
    else if (magnitude !== 0) addSquare(this.smallSquares, x * UP);
  }
}

/** Adds x² to `into` exactly as p + e (Dekker's product; x within [2^-480, 2^480]). */
function addSquare(into: ExpansionSum, x: number): void {
  const p = x * x;
  const c = SPLITTER * x;
  const hi = c - (c - x);
  const lo = x - hi;
  const e = hi * hi - p + 2 * hi * lo + lo * lo;
  into.add(p);
  if (e !== 0) into.add(e);
}
