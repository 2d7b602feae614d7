/**
 * Seeded random parameter source (`{"random": {"count", "seed", "base", "fields"}}`):
 * parameter set i depends only on (seed, i), so any shard or pod regenerates it
 * identically. Fields are drawn in the order written from one xoshiro256+ stream
 * per parameter set.
 */
import { z } from 'zod';
import { LIMITS } from '../../shared/limits.ts';
import { splitMix64At, streamFor } from '../kernels/rng.ts';
import { ParameterShape } from './shape.ts';
import { finiteNumber, generatedBatches, parameterBaseSchema, type ParameterSource } from './source.ts';

const bounds = { min: finiteNumber.optional(), max: finiteNumber.optional() };
/** How one field of a random source is drawn. */
export const randomFieldSchema = z.union([
  z.object({ uniform: z.tuple([finiteNumber, finiteNumber]), ...bounds }).strict(),
  z.object({ normal: z.tuple([finiteNumber, finiteNumber.refine((s) => s >= 0, 'standard deviation must be >= 0')]), ...bounds }).strict(),
]);
/** One random field. */
export type RandomField = z.infer<typeof randomFieldSchema>;

const randomBlockSchema = z
  .object({
    count: z.number().int().min(1).max(LIMITS.parameters),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    base: parameterBaseSchema,
    fields: z.record(z.string(), randomFieldSchema),
  })
  .strict();
/** A random source's block. */
export type RandomBlock = z.infer<typeof randomBlockSchema>;

/** The `random` source. */
export const randomSource: ParameterSource<RandomBlock> = {
  kind: 'random',
  schema: randomBlockSchema,
  inspect(block) {
    // Every draw shares one shape: the first one stands for all.
    return { count: block.count, samples: [{ where: 'parameters.random', params: randomParameters(block, 0) }] };
  },
  read(block, { start, end }) {
    return generatedBatches(start, end, (i) => randomParameters(block, i));
  },
};

/** Draws before a truncated normal falls back to clamping (documented in docs/manifest.md). */
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
  return x < min ? min : Math.min(x, max);
}
