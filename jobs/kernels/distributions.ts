/**
 * Random variates drawn from one xoshiro256+ stream: standard normals by Marsaglia's
 * polar method (as in `european-option-mc`), and gamma variates by Marsaglia and
 * Tsang's squeeze method ("A simple method for generating gamma variables", ACM TOMS
 * 26(3), 2000), which the Student t of `portfolio-var` needs for its χ² mixing draw.
 */
import type { Xoshiro256Plus } from './rng.ts';

/** Uniforms per block: even (one polar attempt = 2 uniforms), small enough to stay in L1. */
const BLOCK_UNIFORMS = 2048;

/**
 * Standard normals from a stream, generated a block at a time. The normals come out in
 * the order a one-at-a-time polar method would give them: each pair of uniforms is one
 * attempt, a rejected pair is skipped, an accepted pair (u1, u2) with w = u1² + u2²
 * gives u1·m then u2·m, m = √(−2 ln w / w). {@link uniform} draws from the stream after
 * the current block: the sequence is fixed by the calls made, so results stay
 * deterministic.
 */
export class NormalSampler {
  private readonly uniforms = new Float64Array(BLOCK_UNIFORMS);
  private readonly normals = new Float64Array(BLOCK_UNIFORMS);
  private available = 0;
  private position = 0;

  /** Samples from `stream`, which it then owns. */
  constructor(private readonly stream: Xoshiro256Plus) {}

  /** The next standard normal. */
  next(): number {
    if (this.position === this.available) this.refill();
    return this.normals[this.position++]!;
  }

  /** Writes the next `count` standard normals into `out[0 … count)`. */
  fill(out: Float64Array, count: number = out.length): void {
    let written = 0;
    while (written < count) {
      if (this.position === this.available) this.refill();
      const take = Math.min(this.available - this.position, count - written);
      out.set(this.normals.subarray(this.position, this.position + take), written);
      this.position += take;
      written += take;
    }
  }

  /** A uniform in [0, 1) from the same stream. */
  uniform(): number {
    return this.stream.nextDouble();
  }

  private refill(): void {
    do {
      this.stream.fill(this.uniforms);
      this.available = polarNormals(this.uniforms, this.normals);
    } while (this.available === 0);
    this.position = 0;
  }
}

/** Marsaglia's polar method over `u` (two uniforms per attempt); returns how many normals it wrote. */
function polarNormals(u: Float64Array, out: Float64Array): number {
  const n = u.length;
  let count = 0;
  for (let k = 0; k < n; k += 2) {
    const u1 = 2 * u[k]! - 1;
    const u2 = 2 * u[k + 1]! - 1;
    const w = u1 * u1 + u2 * u2;
    if (w >= 1 || w === 0) continue;
    const m = Math.sqrt((-2 * Math.log(w)) / w);
    out[count] = u1 * m;
    out[count + 1] = u2 * m;
    count += 2;
  }
  return count;
}

/**
 * Gamma(shape, scale 1) variates for shape ≥ 1 (Marsaglia-Tsang; a χ²_ν variate is
 * 2·Gamma(ν/2), and ν > 2 keeps the shape above 1, so the shape < 1 boost is not needed).
 * Each attempt takes one normal x and one uniform u: with d = shape − 1/3,
 * c = 1/√(9d), v = (1 + c·x)³, it accepts d·v when v > 0 and either the squeeze
 * u < 1 − 0.0331·x⁴ or ln u < x²/2 + d·(1 − v + ln v) holds (≥ 95% of attempts accept).
 */
export class GammaSampler {
  private readonly d: number;
  private readonly c: number;

  /** A sampler of Gamma(`shape`, 1); `shape` must be a finite number ≥ 1. */
  constructor(readonly shape: number) {
    if (!(shape >= 1 && Number.isFinite(shape))) throw new RangeError(`gamma shape must be a finite number >= 1 (got ${shape})`);
    this.d = shape - 1 / 3;
    this.c = 1 / Math.sqrt(9 * this.d);
  }

  /** The next variate, drawing its normals and uniforms from `source`. */
  next(source: NormalSampler): number {
    const { c, d } = this;
    for (;;) {
      const x = source.next();
      const t = 1 + c * x;
      if (t <= 0) continue;
      const v = t * t * t;
      const u = source.uniform();
      const xSquared = x * x;
      if (u < 1 - 0.0331 * xSquared * xSquared) return d * v;
      if (Math.log(u) < 0.5 * xSquared + d * (1 - v + Math.log(v))) return d * v;
    }
  }
}
