/**
 * The parameter sets a planner can see cheaply, from which a run's Parquet
 * parameter columns are planned: the source's own samples (every inline set, the
 * first point of a grid or range, the first draw of a random source), or for a
 * source that has none without reading (a file) its first batch of records, read
 * exactly as a worker reads them, so a CSV's numbers are numbers.
 */
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import type { RunPlan } from '../../shared/run-plan.ts';
import type { ResolvedSource } from '../parameters/registry.ts';

/** Sample parameter sets of the plan's source, in index order. */
export async function parameterSamples(source: ResolvedSource, plan: RunPlan, store: ObjectStore): Promise<Record<string, unknown>[]> {
  const inspected = source.inspect().samples.map((s) => s.params);
  if (inspected.length > 0) return inspected;
  const samples: Record<string, unknown>[] = [];
  const end = Math.min(plan.shardSize, plan.parameterCount);
  for await (const batch of source.read({ shard: 0, start: 0, end, file: plan.file, store })) {
    for (const item of batch) if (item.params !== null) samples.push(item.params);
    break;
  }
  return samples;
}
