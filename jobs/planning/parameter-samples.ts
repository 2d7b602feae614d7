/**
 * The parameter sets a planner can see cheaply, from which a run's Parquet
 * parameter columns are planned: every inline set, the first point of a grid,
 * the first draw of a random source, the first batch of a file's records (read
 * exactly as a worker reads them, so a CSV's numbers are numbers).
 */
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { shardInputBatches } from '../worker/shard-input.ts';
import type { RunPlan } from './plan.ts';

/** Sample parameter sets of the plan's source, in index order. */
export async function parameterSamples(plan: RunPlan, store: ObjectStore): Promise<Record<string, unknown>[]> {
  const source = plan.manifest.parameters;
  if (source.inline) return source.inline;
  const samples: Record<string, unknown>[] = [];
  for await (const batch of shardInputBatches({ ...plan, shardSize: source.file ? plan.shardSize : 1 }, 0, store)) {
    for (const item of batch) if (item.params !== null) samples.push(item.params);
    break;
  }
  return samples;
}
