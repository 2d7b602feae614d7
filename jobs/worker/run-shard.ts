/**
 * Computes one shard: runs the kernel over its parameter sets, writes the shard's
 * result rows and its statistics partial to the results bucket, create-only.
 * A parameter set that fails (bad shape, out of domain) becomes an error row;
 * the shard goes on.
 */
import { rm } from 'node:fs/promises';
import { describeIssues } from '../../shared/manifest.ts';
import { readShardPartial, type ShardPartial } from '../../shared/shard-partial.ts';
import { MetricAccumulator } from '../../shared/stats/partial.ts';
import { shardKey } from '../../shared/ids.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import type { Kernel } from '../kernels/kernel.ts';
import { resultsFormat, runObjects, type RunPlan } from '../../shared/run-plan.ts';
import type { StagedRows } from './rows-file.ts';
import { openShardRows, RESULT_CONTENT_TYPES } from './results/shard-rows.ts';
import { shardInputBatches } from './shard-input.ts';

/** What a computed shard reports in its completion event. */
export interface ShardOutcome {
  resultUri: string;
  partialUri: string;
  parameters: number;
  parametersFailed: number;
  /** False when both objects already existed (another pod, or an earlier attempt, wrote them). */
  computed: boolean;
}

/** A computed shard: its statistics partial, and its rows as text or as a local file (streamed up, then removed). */
export type ComputedShard = { partial: ShardPartial } & ({ rows: string | Buffer } | { rowsFile: string });

/**
 * Computes shard `shard` of `plan` with `compute` (unless its result already
 * exists) and stores it create-only.
 */
export async function runShard(input: { plan: RunPlan; shard: number; store: ObjectStore; compute: () => Promise<ComputedShard> }): Promise<ShardOutcome> {
  const { plan, shard, store } = input;
  const bucket = plan.resultsBucket;
  const key = shardKey(shard);
  const format = resultsFormat(plan);
  const resultUri = runObjects.shardResult(bucket, plan.runId, key, format);
  const partialUri = runObjects.shardPartial(bucket, plan.runId, key);

  const existing = await store.stat(partialUri);
  if (existing && (await store.stat(resultUri))) {
    // Results are deterministic: a finished shard is not recomputed, only reported again.
    const partial = readShardPartial(await store.read(partialUri), partialUri);
    return { resultUri, partialUri, parameters: partial.parameters, parametersFailed: partial.parametersFailed, computed: false };
  }

  const computed = await input.compute();
  const { partial } = computed;
  const rowsOptions = { ifAbsent: true, contentType: RESULT_CONTENT_TYPES[format] };
  if ('rows' in computed) {
    await store.write(resultUri, computed.rows, rowsOptions);
  } else {
    try {
      await store.upload(resultUri, computed.rowsFile, { ...rowsOptions, consumeSource: true });
    } finally {
      await rm(computed.rowsFile, { force: true });
    }
  }
  await store.write(partialUri, JSON.stringify(partial), { ifAbsent: true, contentType: 'application/json' });
  return { resultUri, partialUri, parameters: partial.parameters, parametersFailed: partial.parametersFailed, computed: true };
}

/**
 * Computes shard `shard`: its result rows (index order, in the run's results
 * format: results/shard-rows.ts), as bytes or staged in a local file, and its statistics partial.
 * Deterministic: the same plan and shard give the same bytes. A rows file is the
 * caller's to upload and remove.
 */
export async function computeShard(input: { plan: RunPlan; shard: number; kernel: Kernel; store: ObjectStore; tempDir?: string }): Promise<ComputedShard> {
  const { plan, shard, kernel, store } = input;
  const evaluate = kernel.prepare(plan.kernelOptions);
  const accumulators = new Map(plan.metrics.map((m) => [m, new MetricAccumulator()]));
  const rows = openShardRows({ plan, shard, outputNames: kernel.outputs, ...(input.tempDir ? { tempDir: input.tempDir } : {}) });
  let parameters = 0;
  let parametersFailed = 0;
  let staged: StagedRows;
  try {
    const metrics = [...accumulators];
    for await (const batch of shardInputBatches(plan, shard, store)) {
      for (const item of batch) {
        parameters++;
        const row = evaluateRow(kernel, evaluate, item.index, item.params, 'error' in item ? item.error : undefined);
        let pending: Promise<void> | undefined;
        if (row.ok) {
          for (const [metric, acc] of metrics) acc.add(row.outputs[metric] as number);
          pending = rows.result(item.index, row.params, row.outputs);
        } else {
          parametersFailed++;
          pending = rows.failure(item.index, row.params, row.error);
        }
        if (pending) await pending;
      }
    }
    staged = await rows.close();
  } catch (error) {
    await rows.discard();
    throw error;
  }
  return { ...staged, partial: shardPartial(plan, shard, parameters, parametersFailed, accumulators) };
}

/** The statistics partial of a shard from its counts and per-metric accumulators. */
export function shardPartial(
  plan: RunPlan,
  shard: number,
  parameters: number,
  parametersFailed: number,
  accumulators: ReadonlyMap<string, MetricAccumulator>,
): ShardPartial {
  return {
    v: 1,
    runId: plan.runId,
    shard,
    parameters,
    parametersFailed,
    metrics: Object.fromEntries([...accumulators].map(([m, acc]) => [m, acc.toPartial()])),
  };
}

/** A parameter set's outcome: its outputs (every one a finite number), or why it failed (with its parameters as read). */
type Evaluated =
  | { ok: true; params: Record<string, unknown>; outputs: Record<string, number> }
  | { ok: false; params: Record<string, unknown> | null; error: string };

function evaluateRow(
  kernel: Kernel,
  evaluate: ReturnType<Kernel['prepare']>,
  index: number,
  raw: Record<string, unknown> | null,
  readError: string | undefined,
): Evaluated {
  if (raw === null) return { ok: false, params: null, error: readError ?? 'unreadable parameter set' };
  let params = kernel.acceptParameters?.(raw) as Record<string, unknown> | undefined;
  if (params === undefined) {
    const parsed = kernel.parametersSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, params: raw, error: describeIssues(parsed.error.issues) };
    params = parsed.data as Record<string, unknown>;
  }
  try {
    const outputs = evaluate(params, index);
    for (const name of kernel.outputs) {
      const value = outputs[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return { ok: false, params, error: `${kernel.name} produced a non-finite ${name}` };
      }
    }
    return { ok: true, params, outputs: outputs as Record<string, number> };
  } catch (error) {
    return { ok: false, params, error: (error as Error).message };
  }
}
