/**
 * Re-dispatching scattered shards as a new attempt: the shards are spread over
 * the eligible clusters (minus any excluded, e.g. unreachable), recorded on the
 * run, and one dispatch message per cluster carries an explicit shard list.
 * Used by reconcile (lost shards) and by `altus retry` (failed shards).
 */
import type { RunDocument, RunRedispatch, RunStatus } from '../../shared/documents.ts';
import type { RunPatch } from '../../shared/run-store.ts';
import type { DispatchMessage } from '../../shared/messages.ts';
import { splitShardList } from '../../jobs/fleet/indexes.ts';
import { eligibleClusters, placeShards, podRequest } from '../../jobs/planning/placement.ts';
import type { Dependencies } from './deps.ts';

/** The attempt number after every attempt the run has used. */
export function nextAttempt(run: RunDocument): number {
  return Math.max(run.attempt ?? 0, ...(run.redispatches ?? []).map((r) => r.attempt)) + 1;
}

/**
 * Sends `shards` again as one new attempt. `restrictTo` is the manifest's placement;
 * `exclude` drops clusters (unreachable ones). Returns the new re-dispatch records,
 * or [] when no cluster can take them.
 */
export async function redispatchShards(
  deps: Dependencies,
  run: RunDocument,
  input: {
    shards: number[];
    reason: string;
    /** The cluster the shards leave for lack of room, recorded so later re-placements avoid it. */
    noRoomOn?: string;
    restrictTo?: readonly string[];
    exclude?: ReadonlySet<string>;
    /** Statuses the run may be in (default RUNNING; a retry re-opens PARTIAL and FAILED runs). */
    from?: readonly RunStatus[];
    /** More changes made in the same guarded write (a retry's status, cleared error). */
    patch?: RunPatch;
  },
): Promise<RunRedispatch[]> {
  if (input.shards.length === 0) return [];
  const clusters = eligibleClusters(deps.fleetConfig, input.restrictTo, run.gpu).filter((c) => !input.exclude?.has(c.name));
  if (clusters.length === 0) return [];
  const attempt = nextAttempt(run);
  const sorted = [...input.shards].sort((a, b) => a - b);
  const at = deps.now().toISOString();
  // A cluster's long scattered list becomes several Jobs, one attempt each, so each Job's list object stays small for its pods to read.
  const records: RunRedispatch[] = placeShards(sorted.length, clusters, podRequest(deps.fleetConfig, run.gpu)).flatMap((slice) =>
    splitShardList(sorted.slice(slice.offset, slice.offset + slice.count)).map((shards, part) => ({
      attempt: attempt + part,
      cluster: slice.cluster.name,
      shards,
      reason: input.reason,
      ...(input.noRoomOn === undefined ? {} : { noRoomOn: input.noRoomOn }),
      at,
    })),
  );
  // Recorded first, guarded on the run still being open: a dispatch never runs ahead of the record of it.
  const updated = await deps.runs.transition(run.runId, input.from ?? ['RUNNING'], {
    ...input.patch,
    redispatches: [...(run.redispatches ?? []), ...records],
  });
  if (!updated) return [];
  deps.faults.crashPoint('reconcile.after-redispatch');
  await Promise.all(
    records.map((r) => {
      const message: DispatchMessage = { v: 1, runId: run.runId, cluster: r.cluster, attempt: r.attempt, shards: { list: r.shards } };
      return deps.bus.publish('dispatch', message);
    }),
  );
  deps.log.info('shards re-dispatched', { runId: run.runId, attempt, reason: input.reason, clusters: records.map((r) => `${r.cluster}:${r.shards.length}`) });
  return records;
}
