/**
 * The run plan: everything a worker needs to compute any shard, written once per
 * run to the results bucket (`runs/<runId>/plan.json`) by planning and read by
 * dispatch, the workers, aggregate, retry and the CLI. Messages and the Job only
 * carry its URI; the plan carries the manifest, never the parameter data itself
 * (files are referenced by URI, generation and shard byte offsets). Also here:
 * where a run's objects live in the results bucket, and a shard's index range.
 */
import { z } from 'zod';
import { readContract } from './contract.ts';
import { manifestSchema, RESULTS_FORMATS, type ResultsFormat } from './manifest.ts';
import { objectUri } from './storage/object-store.ts';

const count = z.number().int().min(0);

/** Where each shard of a parameter file lives (jobs/parameters/file-index.ts builds it). */
export const fileIndexSchema = z
  .object({
    uri: z.string().min(1),
    format: z.enum(['ndjson', 'csv']),
    /** The generation indexed; workers refuse a rewritten object. */
    generation: z.string().min(1),
    count,
    /** Byte offset of each shard's first line; shard k ends where k+1 starts, the last at `endOffset`. */
    shardOffsets: z.array(count),
    endOffset: count,
    /** CSV column names. */
    header: z.array(z.string()).optional(),
  })
  .strict();

/** Where each shard of a parameter file lives. */
export type FileIndex = z.infer<typeof fileIndexSchema>;

/** Physical types of a parameter column. */
export const PARAMETER_COLUMN_TYPES = ['DOUBLE', 'STRING', 'BOOLEAN'] as const;

/** The columns of a run's Parquet results (jobs/planning/results-schema.ts plans them). */
export const resultsSchemaSchema = z
  .object({
    /** One column per parameter key known at planning: the key it holds and its name in the table. */
    params: z.array(z.object({ key: z.string(), column: z.string(), type: z.enum(PARAMETER_COLUMN_TYPES) }).strict()),
    /** One DOUBLE column per declared output. */
    outputs: z.array(z.object({ key: z.string(), column: z.string() }).strict()),
  })
  .strict();

/** What a run's result rows look like in Parquet. */
export type ResultsSchema = z.infer<typeof resultsSchemaSchema>;
/** One parameter column. */
export type ParameterColumn = ResultsSchema['params'][number];
/** Physical type of a parameter column. */
export type ParameterColumnType = ParameterColumn['type'];
/** One declared output column (always DOUBLE). */
export type OutputColumn = ResultsSchema['outputs'][number];

/** A run's results: a Parquet dataset with the schema fixed at planning, or one NDJSON file. */
export const resultsLayoutSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal(RESULTS_FORMATS[0]), schema: resultsSchemaSchema }).strict(),
  z.object({ format: z.literal(RESULTS_FORMATS[1]) }).strict(),
]);

/** A run's results layout. */
export type ResultsLayout = z.infer<typeof resultsLayoutSchema>;

/** The plan of one run. */
export const runPlanSchema = z
  .object({
    v: z.literal(1),
    runId: z.string().min(1),
    /** Bucket of the plan, shard results and the results file. */
    resultsBucket: z.string().min(1),
    manifest: manifestSchema,
    kernelOptions: z.record(z.string(), z.unknown()),
    /** Outputs every shard aggregates (partials) and the aggregate merges; empty when `discoverMetrics`. */
    metrics: z.array(z.string()),
    /**
     * True for a custom kernel with neither `outputs` nor `aggregate.metrics`: each
     * shard aggregates every numeric field its command writes, and the aggregate
     * merges the union of the partials' metrics, in order of first appearance in
     * shard order. Absent (false) in plans written before it existed.
     */
    discoverMetrics: z.boolean().optional(),
    quantiles: z.array(z.number()),
    parameterCount: count,
    shardSize: z.number().int().min(1),
    shardCount: count,
    /** Present for a source planning indexed (a parameter file). */
    file: fileIndexSchema.optional(),
    /** How the rows are written; absent in plans written before Parquet results (NDJSON then). */
    results: resultsLayoutSchema.optional(),
  })
  .strict();

/** The plan of one run. */
export type RunPlan = z.infer<typeof runPlanSchema>;

/** The plan stored at `uri`, from its bytes; throws ContractError (shared/contract.ts) naming the first problem. */
export function readRunPlan(bytes: Uint8Array | string, uri: string): RunPlan {
  return readContract(runPlanSchema, bytes, `the run plan ${uri}`);
}

/** The results format of a plan (NDJSON for plans written before the choice existed). */
export function resultsFormat(plan: Pick<RunPlan, 'results'>): ResultsFormat {
  return plan.results?.format ?? 'ndjson';
}

/** Parameter index range [start, end) of shard `k`. */
export function shardRange(plan: Pick<RunPlan, 'parameterCount' | 'shardSize'>, shard: number): { start: number; end: number } {
  const start = shard * plan.shardSize;
  return { start, end: Math.min(start + plan.shardSize, plan.parameterCount) };
}

/** Where a plan and a run's results live in the results bucket. */
export const runObjects = {
  plan: (bucket: string, runId: string) => objectUri(bucket, `runs/${runId}/plan.json`),
  /** A shard's rows: a part of the run's Parquet dataset, or an NDJSON piece composed into the results file. */
  shardResult: (bucket: string, runId: string, key: string, format: ResultsFormat) =>
    format === 'parquet' ? objectUri(bucket, `${datasetFolder(runId)}part-${key}.parquet`) : objectUri(bucket, `runs/${runId}/shards/${key}.ndjson`),
  shardPartial: (bucket: string, runId: string, key: string) => objectUri(bucket, `runs/${runId}/shards/${key}.partial.json`),
  /** The NDJSON results file. */
  results: (bucket: string, runId: string) => objectUri(bucket, `runs/${runId}/results.ndjson`),
  /** The Parquet dataset's folder (Hive-style: every run's folder sits under `results/`, partitioned by `run_id`). */
  dataset: (bucket: string, runId: string) => objectUri(bucket, datasetFolder(runId)),
  /** A re-dispatched Job's shard list (shared/shard-list.ts), named by its pods' ALTUS_SHARD_LIST_URI. */
  shardList: (bucket: string, runId: string, job: string) => objectUri(bucket, `runs/${runId}/shard-lists/${job}.txt`),
};

/** The prefix of every run's Parquet dataset in the results bucket. */
export const DATASETS_PREFIX = 'results/';

function datasetFolder(runId: string): string {
  return `${DATASETS_PREFIX}run_id=${runId}/`;
}
