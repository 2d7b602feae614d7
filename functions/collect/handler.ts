/**
 * `collect`: records a shard completion once (create-if-absent keyed by run and
 * shard: duplicates and retries change nothing) and, when every shard is in,
 * asks for aggregation. Whether every shard is in is decided in O(1) per
 * completion: the shard's group tally (written atomically with the record, see
 * `tallyGroups`) says when its group may be complete; only then are all tallies
 * summed, and only when they reach the shard count is the exact count taken.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { TERMINAL_STATUSES, type RunDocument, type ShardDocument } from '../../shared/documents.ts';
import { completionEventSchema, type AggregateRequest } from '../../shared/messages.ts';
import { tallyGroupSize, tallyGroups } from '../../shared/run-store.ts';
import { decodePubSubJson } from '../pipeline/decode.ts';
import type { Dependencies } from '../pipeline/deps.ts';

/**
 * How long a function instance reuses a run document it read. A run's shard count
 * never changes once it runs, and its status only gates best-effort shortcuts
 * (a late completion of a finished run is ignored; one recorded in the window is
 * a duplicate or a record nobody counts), so a completion costs two Firestore
 * round trips (record, tally) instead of three.
 */
export const RUN_CACHE_MILLISECONDS = 2_000;
const RUN_CACHE_ENTRIES = 1_000;

/** Creates the collect handler. */
export function createCollectHandler(deps: Dependencies) {
  const cache = new Map<string, { run: RunDocument; at: number }>();
  const runOf = async (runId: string): Promise<RunDocument | null> => {
    const now = deps.now().getTime();
    const hit = cache.get(runId);
    if (hit && now - hit.at < RUN_CACHE_MILLISECONDS) return hit.run;
    const run = await deps.runs.getRun(runId);
    if (run && run.counts.shards > 0 && !TERMINAL_STATUSES.includes(run.status)) {
      if (cache.size >= RUN_CACHE_ENTRIES) cache.clear();
      cache.set(runId, { run, at: now });
    } else cache.delete(runId);
    return run;
  };
  return async (event: CloudEvent<unknown>): Promise<'recorded' | 'duplicate' | 'complete' | 'ignored'> => {
    // Undecodable messages throw UndecodableMessageError: the poison guard parks them.
    const completion = decodePubSubJson(event, completionEventSchema);
    const log = deps.log.with({ runId: completion.runId, shard: completion.shard });
    const run = await runOf(completion.runId);
    if (!run) {
      log.warn('completion for an unknown run: ignored');
      return 'ignored';
    }
    if (TERMINAL_STATUSES.includes(run.status)) {
      log.info('late completion for a finished run: ignored', { status: run.status });
      return 'ignored';
    }
    if (completion.shard >= run.counts.shards) {
      log.error('completion for a shard outside the run: ignored', { shards: run.counts.shards });
      return 'ignored';
    }
    const doc: ShardDocument = {
      shard: completion.shard,
      status: completion.status,
      attempt: completion.attempt,
      cluster: completion.cluster,
      parameters: completion.parameters,
      parametersFailed: completion.parametersFailed,
      cpuSeconds: completion.cpuSeconds,
      ...(completion.wallSeconds !== undefined ? { wallSeconds: completion.wallSeconds } : {}),
      recordedAt: deps.now().toISOString(),
      ...(completion.resultUri ? { resultUri: completion.resultUri } : {}),
      ...(completion.partialUri ? { partialUri: completion.partialUri } : {}),
      ...(completion.error ? { error: completion.error } : {}),
    };
    const shards = run.counts.shards;
    const recorded = await deps.runs.recordShard(completion.runId, doc, shards);
    deps.faults.crashPoint('collect.after-record');
    // A duplicate of a run already aggregating asks for nothing: its aggregation was requested
    // (reconcile asks again if that stalls). Under a backlog there can be many such late duplicates.
    if (recorded === 'duplicate' && run.status === 'AGGREGATING') return recorded;
    // Checked even for a duplicate: an earlier delivery may have recorded the shard and crashed before this point.
    const group = completion.shard % tallyGroups(shards);
    if ((await deps.runs.groupTally(completion.runId, shards, completion.shard)) < tallyGroupSize(shards, group)) return recorded;
    if ((await deps.runs.totalTally(completion.runId, shards)) < shards) return recorded;
    const done = await deps.runs.countShards(completion.runId);
    if (done < shards) return recorded;
    const request: AggregateRequest = { v: 1, runId: completion.runId };
    await deps.bus.publish('aggregate', request);
    log.info('all shards in: aggregation requested', { shards: done });
    return 'complete';
  };
}
