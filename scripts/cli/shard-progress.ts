/**
 * {@link ShardQueries} over a plain {@link RunStore}, for callers that have only
 * the store: overall counts by its aggregation queries, per-cluster counts from
 * the shard records, read again at most every `shards / 1000` seconds so a big
 * run does not cost a full listing on every refresh.
 */
import type { ShardDocument } from '../../shared/documents.ts';
import type { RunStore } from '../../shared/run-store.ts';
import type { ShardFilter, ShardQueries } from '../../shared/shard-queries.ts';

/** Shard queries answered from the run store. */
export function runStoreShardQueries(runs: RunStore, now: () => number = Date.now): ShardQueries {
  let cache: { runId: string; at: number; shards: ShardDocument[] } | undefined;
  const listed = async (runId: string): Promise<ShardDocument[]> => {
    const maxAgeMilliseconds = cache ? cache.shards.length : 0;
    if (!cache || cache.runId !== runId || now() - cache.at > maxAgeMilliseconds) {
      cache = { runId, at: now(), shards: await runs.listShards(runId) };
    }
    return cache.shards;
  };
  const matches = (s: ShardDocument, f: ShardFilter) =>
    (f.cluster === undefined || s.cluster === f.cluster) && (f.status === undefined || s.status === f.status);
  return {
    async count(runId, filter = {}) {
      if (filter.cluster === undefined) return runs.countShards(runId, filter.status);
      return (await listed(runId)).filter((s) => matches(s, filter)).length;
    },
    async failed(runId, limit) {
      return (await listed(runId)).filter((s) => s.status === 'failed').slice(0, limit);
    },
    async withFailedParameters(runId, limit) {
      return (await listed(runId)).filter((s) => s.parametersFailed > 0).slice(0, limit);
    },
  };
}
