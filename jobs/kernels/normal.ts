/**
 * The standard normal density and distribution function in double precision.
 *
 * The distribution function is W. J. Cody's rational Chebyshev approximation
 * (Cody 1969, "Rational Chebyshev approximations for the error function",
 * Math. Comp. 23:631-637; as packaged in ACM Algorithm 715, ANORM), accurate to
 * a few units in the last place of a double. `Math.erf` does not exist in
 * JavaScript, and the short textbook approximations (Abramowitz-Stegun 26.2.17,
 * ~7e-8) are far too coarse for Greeks checked to 1e-4 on prices of ~100.
 */

const SQRT_2PI = 2.5066282746310002; // √(2π)
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
/** |x| below which N(x) = 0.5 + x·φ(0) to double precision. */
const TINY = 1.1102230246251565e-16; // 2^-53
/** Breakpoints of Cody's three rational approximations. */
const CENTRAL_LIMIT = 0.67448975; // ≈ 0.75 quantile
const MIDDLE_LIMIT = 5.656854249492380195; // √32
/** Beyond this φ(x) and N(-x) underflow to 0 (and N(x) rounds to 1). */
const UNDERFLOW_LIMIT = 38.5;

// Central range |x| <= 0.674: N(x) = 0.5 + x·P(x²)/Q(x²).
const A = [2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249, 0.065682337918207449113];
const B = [47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956];
// Middle range 0.674 < |x| <= √32: N(-|x|) = exp(-x²/2)·P(|x|)/Q(|x|).
const C = [
  0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226, 2494.5375852903726711, 6848.1904505362823326,
  11602.651437647350124, 9842.7148383839780218, 1.0765576773720192317e-8,
];
const D = [
  22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755, 18615.571640885098091, 34900.952721145977266, 38912.003286093271411,
  19685.429676859990727,
];
// Tail |x| > √32: N(-|x|) = exp(-x²/2)/|x|·(1/√(2π) - R(1/x²)/x²).
const P = [0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303];
const Q = [1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244, 7.29751555083966205e-5];

/** Standard normal density φ(x) = exp(-x²/2)/√(2π), to ~1e-15 relative for |x| < 37. */
export function normalPdf(x: number): number {
  const y = Math.abs(x);
  if (y > UNDERFLOW_LIMIT) return 0; // exp underflows; also keeps ±Infinity from becoming NaN
  return halfSquareExp(y) / SQRT_2PI;
}

/**
 * exp(-y²/2) for y >= 0, split as exp(-h²/2)·exp(-(y-h)(y+h)/2) with h = y rounded
 * down to 1/16: h² is exact, so the rounding error of y² is not amplified by exp
 * (a naive exp(-y*y/2) loses ~y² ulps, 5e-14 relative at y = 8).
 */
function halfSquareExp(y: number): number {
  const h = Math.trunc(y * 16) / 16;
  return Math.exp(-h * h * 0.5) * Math.exp(-(y - h) * (y + h) * 0.5);
}

/**
 * Standard normal distribution function N(x) = P(Z <= x), with relative error of
 * order 1e-15 in both tails (N(-x) is computed directly, never as 1 - N(x), so
 * small tail probabilities keep their digits). NaN in, NaN out.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= CENTRAL_LIMIT) {
    let num = 0;
    let den = 0;
    if (y > TINY) {
      const xsq = x * x;
      num = A[4]! * xsq;
      den = xsq;
      for (let i = 0; i < 3; i += 1) {
        num = (num + A[i]!) * xsq;
        den = (den + B[i]!) * xsq;
      }
    }
    return 0.5 + (x * (num + A[3]!)) / (den + B[3]!);
  }
  if (y > UNDERFLOW_LIMIT) return x > 0 ? 1 : 0;
  let ratio: number;
  if (y <= MIDDLE_LIMIT) {
    let num = C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i += 1) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    ratio = (num + C[7]!) / (den + D[7]!);
  } else {
    const xsq = 1 / (x * x);
    let num = P[5]! * xsq;
    let den = xsq;
    for (let i = 0; i < 4; i += 1) {
      num = (num + P[i]!) * xsq;
      den = (den + Q[i]!) * xsq;
    }
    ratio = (INV_SQRT_2PI - (xsq * (num + P[4]!)) / (den + Q[4]!)) / y;
  }
  const lower = halfSquareExp(y) * ratio;
  return x > 0 ? 1 - lower : lower;
}
