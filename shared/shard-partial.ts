/**
 * The shard partial: a shard's counts and per-metric mergeable statistics,
 * written by the worker beside its rows (`runs/<runId>/shards/<key>.partial.json`)
 * and read by aggregate (merge), reconcile (recovery from results) and a worker
 * that finds its shard already done. Read once per shard, never per row.
 */
import { z } from 'zod';
import { readContract } from './contract.ts';
import type { MetricPartial } from './stats/partial.ts';

const integer = z.number().int().min(0);

/** One metric's partial statistics (shared/stats/partial.ts). */
export const metricPartialSchema = z
  .object({
    count: integer,
    mean: z.number(),
    m2: z.number(),
    /** Exact Σx and Σx² (shared/stats/exact-moments.ts); absent in partials written before them. */
    exact: z.object({ s: z.string(), q: z.string() }).strict().optional(),
    min: z.number(),
    max: z.number(),
    /** Sparse DDSketch bins (shared/stats/sketch.ts). */
    sketch: z.object({ p: z.array(z.number()), n: z.array(z.number()), z: z.number() }).strict(),
  })
  .strict();

/** The statistics partial of one shard, stored beside its rows. */
export const shardPartialSchema = z
  .object({
    v: z.literal(1),
    runId: z.string().min(1),
    shard: integer,
    parameters: integer,
    parametersFailed: integer,
    metrics: z.record(z.string(), metricPartialSchema),
  })
  .strict();

/** The statistics partial of one shard. */
export type ShardPartial = z.infer<typeof shardPartialSchema>;

/** The schema's metric partial is the one the statistics merge: a change to either fails compilation here. */
const sameMetricPartial: [z.infer<typeof metricPartialSchema>, MetricPartial] extends [MetricPartial, z.infer<typeof metricPartialSchema>] ? true : never =
  true;
void sameMetricPartial;

/** The partial stored at `uri`, from its bytes; throws ContractError (shared/contract.ts) naming the first problem. */
export function readShardPartial(bytes: Uint8Array | string, uri: string): ShardPartial {
  return readContract(shardPartialSchema, bytes, `the shard partial ${uri}`);
}
