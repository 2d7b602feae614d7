/**
 * Planning a run: the plan (shared/run-plan.ts) from a validated manifest,
 * indexing the parameter source's object when it has one. Written once per run;
 * messages and the Job only carry its URI.
 */
import { isCustomKernel } from '../../shared/custom-kernel.ts';
import type { RunPlan } from '../../shared/run-plan.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { resolveSource } from '../parameters/registry.ts';
import { checkCounts, type ValidatedManifest } from './validate.ts';
import { parameterSamples } from './parameter-samples.ts';
import { planResultsSchema } from './results-schema.ts';

/** Builds the plan, indexing the parameter source's object (a file) when it has one. */
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
  const source = resolveSource(manifest.parameters);
  let parameterCount = input.validated.parameterCount;
  const file = source.index
    ? await source.index({ store: input.store, manifestsBucket: input.manifestsBucket, manifestObject: input.manifestObject, shardSize: manifest.shardSize })
    : undefined;
  if (file) {
    parameterCount = file.count;
    checkCounts(parameterCount, manifest.shardSize);
  }
  if (parameterCount === null) throw new Error(`the ${source.kind} source was counted neither at validation nor by indexing`);
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
  const schema = planResultsSchema({ samples: await parameterSamples(source, plan, input.store), kernel, outputs });
  return { ...plan, results: { format: 'parquet', schema } };
}
