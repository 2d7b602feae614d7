/**
 * The run plan: everything a worker needs to compute any shard, written once per
 * run to the results bucket (`runs/<runId>/plan.json`). Messages and the Job only
 * carry its URI; the plan carries the manifest, never the parameter data itself
 * (files are referenced by URI, generation and shard byte offsets).
 */
import { isCustomKernel } from '../../shared/custom-kernel.ts';
import { PermanentError } from '../../shared/errors.ts';
import type { Manifest, ResultsFormat } from '../../shared/manifest.ts';
import { objectUri, parseObjectUri, type ObjectStore } from '../../shared/storage/object-store.ts';
import { indexParameterFile, ParameterFileError, type FileIndex } from '../parameters/file-index.ts';
import { checkCounts, type ValidatedManifest } from './validate.ts';
import { parameterSamples } from './parameter-samples.ts';
import { planResultsSchema, type ResultsSchema } from './results-schema.ts';

/** The plan of one run. */
export interface RunPlan {
  v: 1;
  runId: string;
  /** Bucket of the plan, shard results and the results file. */
  resultsBucket: string;
  manifest: Manifest;
  kernelOptions: Record<string, unknown>;
  /** Outputs every shard aggregates (partials) and the aggregate merges; empty when {@link discoverMetrics}. */
  metrics: string[];
  /**
   * True for a custom kernel with neither `outputs` nor `aggregate.metrics`: each
   * shard aggregates every numeric field its command writes, and the aggregate
   * merges the union of the partials' metrics, in order of first appearance in
   * shard order. Absent (false) in plans written before it existed.
   */
  discoverMetrics?: boolean;
  quantiles: number[];
  parameterCount: number;
  shardSize: number;
  shardCount: number;
  /** Present for file sources. */
  file?: FileIndex;
  /** How the rows are written; absent in plans written before Parquet results (NDJSON then). */
  results?: ResultsLayout;
}

/** A run's results: a Parquet dataset with the schema fixed here, or one NDJSON file. */
export type ResultsLayout = { format: 'parquet'; schema: ResultsSchema } | { format: 'ndjson' };

/** The results format of a plan (NDJSON for plans written before the choice existed). */
export function resultsFormat(plan: Pick<RunPlan, 'results'>): ResultsFormat {
  return plan.results?.format ?? 'ndjson';
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
  /** A re-dispatched Job's shard list (the ALTUS_SHARD_LIST format), named by its pods' ALTUS_SHARD_LIST_URI. */
  shardList: (bucket: string, runId: string, job: string) => objectUri(bucket, `runs/${runId}/shard-lists/${job}.txt`),
};

/** The prefix of every run's Parquet dataset in the results bucket. */
export const DATASETS_PREFIX = 'results/';

function datasetFolder(runId: string): string {
  return `${DATASETS_PREFIX}run_id=${runId}/`;
}

/**
 * Resolves a manifest's file URI: a `gs://` URI as it is, otherwise a path relative
 * to the manifest object's folder in the manifests bucket (what `altus submit` uploads).
 */
export function resolveParameterFileUri(uri: string, manifestsBucket: string, manifestObject: string | null): string {
  if (uri.startsWith('gs://')) return parseObjectUri(uri) && uri;
  const folder = manifestObject && manifestObject.includes('/') ? manifestObject.slice(0, manifestObject.lastIndexOf('/') + 1) : '';
  const joined = normalizeRelative(folder + uri);
  return objectUri(manifestsBucket, joined);
}

function normalizeRelative(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) throw new PermanentError('PARAMETERS_FILE_MISSING', `parameters.file.uri "${path}" points outside the manifests bucket`);
      out.pop();
    } else out.push(segment);
  }
  if (out.length === 0) throw new PermanentError('PARAMETERS_FILE_MISSING', 'parameters.file.uri is empty');
  return out.join('/');
}

/** Builds the plan, indexing a parameter file when the source is one. */
export async function planRun(input: {
  runId: string;
  validated: ValidatedManifest;
  store: ObjectStore;
  manifestsBucket: string;
  resultsBucket: string;
  /** Object name of an uploaded manifest; null for a published one. */
  manifestObject: string | null;
}): Promise<RunPlan> {
  const { manifest } = input.validated;
  let parameterCount = input.validated.parameterCount;
  let file: FileIndex | undefined;
  if (manifest.parameters.file) {
    const { uri, format } = manifest.parameters.file;
    let resolved: string;
    try {
      resolved = resolveParameterFileUri(uri, input.manifestsBucket, input.manifestObject);
    } catch (error) {
      if (error instanceof PermanentError) throw error;
      throw new PermanentError('PARAMETERS_FILE_MISSING', `parameters.file.uri: ${(error as Error).message}`);
    }
    try {
      file = await indexParameterFile(input.store, resolved, format, manifest.shardSize);
    } catch (error) {
      if (!(error instanceof ParameterFileError)) throw error;
      const missing = /does not exist/.test(error.message);
      throw new PermanentError(missing ? 'PARAMETERS_FILE_MISSING' : 'PARAMETERS_FILE_INVALID', error.message, { cause: error });
    }
    parameterCount = file.count;
    if (parameterCount === 0) throw new PermanentError('PARAMETERS_EMPTY', `the parameter file ${resolved} has no parameter sets`);
    checkCounts(parameterCount, manifest.shardSize);
  }
  if (parameterCount === null) throw new Error('parameter count unknown after planning');
  const plan: RunPlan = {
    v: 1,
    runId: input.runId,
    resultsBucket: input.resultsBucket,
    manifest,
    kernelOptions: input.validated.kernelOptions,
    metrics: input.validated.metrics,
    ...(input.validated.discoverMetrics ? { discoverMetrics: true } : {}),
    quantiles: manifest.aggregate.quantiles,
    parameterCount,
    shardSize: manifest.shardSize,
    shardCount: Math.ceil(parameterCount / manifest.shardSize),
    ...(file ? { file } : {}),
  };
  if (manifest.results.format === 'ndjson') return { ...plan, results: { format: 'ndjson' } };
  const { kernel } = input.validated;
  const block = manifest.kernel;
  // Declared outputs; a custom kernel without them still answers every aggregate.metrics name (none when discovered).
  const declared = kernel ? kernel.outputs : isCustomKernel(block) ? block.outputs : undefined;
  const outputs = declared ?? (input.validated.discoverMetrics ? [] : input.validated.metrics);
  const schema = planResultsSchema({ samples: await parameterSamples(plan, input.store), kernel, outputs });
  return { ...plan, results: { format: 'parquet', schema } };
}


/** Parameter index range [start, end) of shard `k`. */
export function shardRange(plan: Pick<RunPlan, 'parameterCount' | 'shardSize'>, shard: number): { start: number; end: number } {
  const start = shard * plan.shardSize;
  return { start, end: Math.min(start + plan.shardSize, plan.parameterCount) };
}
