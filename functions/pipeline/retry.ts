/**
 * Retry by hand (`altus retry <runId>`): a PARTIAL or FAILED run's failed shards
 * are sent again as a new attempt and the same run finishes again, with the
 * shards that had succeeded kept as they were. The failed shard records are
 * removed while the run is still terminal (so nothing counts it complete in
 * between; the removal is idempotent); the run is then re-opened and the
 * re-dispatch recorded in one guarded write. A re-finished run publishes
 * run-finished again.
 */
import { PermanentError } from '../../shared/errors.ts';
import { parseShardList } from '../../shared/shard-list.ts';
import { eligibleClusters } from '../../jobs/planning/placement.ts';
import { readRunPlan } from '../../shared/run-plan.ts';
import type { Dependencies } from './deps.ts';
import { redispatchShards } from './redispatch.ts';

/** Why a retry cannot happen. */
export class RetryRefusedError extends Error {
  override readonly name = 'RetryRefusedError';
}

/** Retries the failed shards of `runId`; resolves to how many shards were sent again. */
export async function retryRun(deps: Dependencies, runId: string): Promise<{ shards: number; attempt: number }> {
  const run = await deps.runs.getRun(runId);
  if (!run) throw new RetryRefusedError(`no run ${runId}`);
  if (run.status !== 'PARTIAL' && run.status !== 'FAILED') {
    throw new RetryRefusedError(`run ${runId} is ${run.status}; only PARTIAL and FAILED runs can be retried`);
  }
  if (!run.planUri) throw new RetryRefusedError(`run ${runId} never started (${run.error?.code ?? 'no plan'}); fix the manifest and submit it again`);
  // From the run document, not the records: a retry that died after deleting the
  // records and before re-opening the run is taken up again by the next one.
  // (Runs finished before failedShardList existed listed every failed shard in failedShards.)
  const failed = run.failedShardList ? parseShardList(run.failedShardList).toArray() : (run.failedShards ?? []).map((f) => f.shard);
  if (failed.length === 0) throw new RetryRefusedError(`run ${runId} has no failed shards to retry (${run.error?.code ?? run.status})`);
  if (eligibleClusters(deps.fleetConfig, run.placementClusters, run.gpu).length === 0) {
    throw new RetryRefusedError(`no available worker cluster can take the retried shards of ${runId}`);
  }
  const plan = readRunPlan(await deps.store.read(run.planUri), run.planUri);
  await deps.runs.deleteShards(runId, failed, run.counts.shards);
  const now = deps.now();
  const records = await redispatchShards(deps, run, {
    shards: failed,
    reason: 'retry by hand',
    ...(run.placementClusters ? { restrictTo: run.placementClusters } : {}),
    from: ['PARTIAL', 'FAILED'],
    patch: {
      status: 'RUNNING',
      error: null,
      failedShards: null,
      failedShardList: null,
      finishedAt: null,
      aggregatingSince: null,
      runFinishedPublished: null,
      fleetCleanedUp: null,
      deadlineAt: new Date(now.getTime() + plan.manifest.deadlineSeconds * 1000).toISOString(),
    },
  });
  if (records.length === 0) throw new PermanentError('PLACEMENT_INVALID', `no available worker cluster can take the retried shards of ${runId}`);
  return { shards: failed.length, attempt: records[0]!.attempt };
}
