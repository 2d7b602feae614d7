/**
 * The parameter sets of one shard, read through the plan's parameter source
 * (jobs/parameters/registry.ts): generated sets are computed from their global
 * index, file shards streamed from their byte range. Never the whole source in memory.
 */
import { resolveSource } from '../parameters/registry.ts';
import { ShardInputError, type ShardInput } from '../parameters/source.ts';
import { shardRange, type RunPlan } from '../../shared/run-plan.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { PermanentError } from '../../shared/errors.ts';

export { ShardInputError, type ShardInput };

/** Yields the shard's parameter sets in index order. */
export async function* shardInputs(plan: RunPlan, shard: number, store: ObjectStore): AsyncGenerator<ShardInput> {
  for await (const batch of shardInputBatches(plan, shard, store)) yield* batch;
}

/** The shard's parameter sets in index order, a batch at a time (a chunk of the file, or a run of generated sets). */
export async function* shardInputBatches(plan: RunPlan, shard: number, store: ObjectStore): AsyncGenerator<ShardInput[]> {
  if (!Number.isInteger(shard) || shard < 0 || shard >= plan.shardCount) {
    throw new ShardInputError(`shard ${shard} is outside the run's ${plan.shardCount} shards`);
  }
  let source: ReturnType<typeof resolveSource>;
  try {
    source = resolveSource(plan.manifest.parameters);
  } catch (error) {
    // Validation accepted this block when the run was planned: a refusal now is input this build cannot read.
    if (error instanceof PermanentError) throw new ShardInputError(`the plan's parameter source: ${error.message}`, { cause: error });
    throw error;
  }
  yield* source.read({ shard, ...shardRange(plan, shard), file: plan.file, store });
}
