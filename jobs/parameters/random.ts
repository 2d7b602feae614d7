/**
 * Seeded random parameter source: parameter set i depends only on (seed, i), so
 * any shard or pod regenerates it identically. Fields are drawn in the order
 * written from one xoshiro256+ stream per parameter set.
 */
import type { RandomField } from '../../shared/manifest.ts';
import { splitMix64At, streamFor } from '../kernels/rng.ts';
import { ParameterShape } from './shape.ts';

/** Draws before a truncated normal falls back to clamping (documented in the README). */
const MAX_REJECTIONS = 1000;

/** Parameter set `index` of a random source. */
export function randomParameters(
  source: { seed: number; base: Record<string, unknown>; fields: Record<string, RandomField> },
  index: number,
): Record<string, unknown> {
  const prepared = preparedSource(source);
  const stream = streamFor(prepared.seed, index);
  const uniform = () => stream.nextDouble();
  const values = prepared.fields.map((field) => draw(field, uniform));
  return prepared.shape.build(values);
}

type Source = Parameters<typeof randomParameters>[0];
const prepared = new WeakMap<Source, { seed: number; fields: RandomField[]; shape: ParameterShape }>();

/** The source's parameter seed, fields in order and parameter shape, computed once per source object. */
function preparedSource(source: Source) {
  let p = prepared.get(source);
  if (!p) {
    p = { seed: parameterSeed(source.seed), fields: Object.values(source.fields), shape: new ParameterShape(source.base, Object.keys(source.fields)) };
    prepared.set(source, p);
  }
  return p;
}

/**
 * The seed of the parameter draws: derived from the source's seed through SplitMix64
 * so it never shares a stream with a kernel seeded with the same number.
 */
function parameterSeed(seed: number): number {
  return Number(splitMix64At(BigInt(seed), 1n << 40n) & ((1n << 53n) - 1n));
}

function draw(field: RandomField, uniform: () => number): number {
  const min = field.min ?? -Infinity;
  const max = field.max ?? Infinity;
  if ('uniform' in field) {
    const [a, b] = field.uniform;
    return clamp(a + (b - a) * uniform(), min, max);
  }
  const [mean, sd] = field.normal;
  for (let attempt = 0; attempt < MAX_REJECTIONS; attempt++) {
    const value = mean + sd * standardNormal(uniform);
    if (value >= min && value <= max) return value;
  }
  return clamp(mean, min, max);
}

/** Marsaglia's polar method (one of the pair; the other is discarded to keep draws per field fixed-order). */
function standardNormal(uniform: () => number): number {
  for (;;) {
    const u = 2 * uniform() - 1;
    const v = 2 * uniform() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

function clamp(x: number, min: number, max: number): number {
  return x < min ? min : x > max ? max : x;
}
