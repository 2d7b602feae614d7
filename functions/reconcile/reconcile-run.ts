/**
 * Reconciling one open run against what really happened on the fleet:
 * - a shard whose Job index completed but whose completion never arrived is
 *   recorded from the result it left in the bucket;
 * - a Job index that failed for good is recorded as a failed shard;
 * - shards on an unreachable or unavailable cluster, or of a Job that is gone or
 *   ended without running them, are re-dispatched as a new attempt elsewhere;
 * - past the run's deadline, every missing shard is recorded as failed;
 * - when every shard is in, aggregation is requested (again: it is idempotent).
 */
import type { RunDocument, ShardDocument } from '../../shared/documents.ts';
import type { AggregateRequest } from '../../shared/messages.ts';
import { LABELS, jobName } from '../../jobs/fleet/job-builder.ts';
import { jobProgress } from '../../jobs/fleet/job-status.ts';
import { runObjects } from '../../jobs/planning/plan.ts';
import type { ShardPartial } from '../../jobs/worker/run-shard.ts';
import { shardKey } from '../../shared/ids.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { redispatchShards, shardOwners } from '../pipeline/redispatch.ts';

/** A Job not seen this long after its dispatch is taken as lost. */
export const MISSING_JOB_GRACE_MILLISECONDS = 120_000;

/** What one pass did to a run. */
export interface ReconcileReport {
  runId: string;
  recoveredFromResults: number;
  recordedFailed: number;
  redispatched: number;
  aggregationRequested: boolean;
}

/** Reconciles a RUNNING run. */
export async function reconcileRun(deps: Dependencies, run: RunDocument): Promise<ReconcileReport> {
  const report: ReconcileReport = { runId: run.runId, recoveredFromResults: 0, recordedFailed: 0, redispatched: 0, aggregationRequested: false };
  const log = deps.log.with({ runId: run.runId });
  const recorded = new Set((await deps.runs.listShards(run.runId)).map((s) => s.shard));
  const missing = Array.from({ length: run.counts.shards }, (_, s) => s).filter((s) => !recorded.has(s));
  const now = deps.now();

  if (missing.length > 0 && run.deadlineAt && now.getTime() > Date.parse(run.deadlineAt)) {
    for (const shard of missing) {
      await recordFailed(deps, run, shard, 'DEADLINE_EXCEEDED: the run passed its deadline before this shard finished', 'deadline');
    }
    report.recordedFailed = missing.length;
    log.warn('run passed its deadline: missing shards recorded as failed', { missing: missing.length });
  } else if (missing.length > 0) {
    await recoverMissing(deps, run, missing, now, report);
  }
  if ((await deps.runs.countShards(run.runId)) >= run.counts.shards) {
    const request: AggregateRequest = { v: 1, runId: run.runId };
    await deps.bus.publish('aggregate', request);
    report.aggregationRequested = true;
  }
  return report;
}

async function recoverMissing(deps: Dependencies, run: RunDocument, missing: number[], now: Date, report: ReconcileReport): Promise<void> {
  const owners = shardOwners(run);
  const byCluster = new Map<string, number[]>();
  for (const shard of missing) {
    const owner = owners.get(shard);
    const key = owner ? `${owner.cluster}\u0000${owner.attempt}` : '\u0000';
    byCluster.set(key, [...(byCluster.get(key) ?? []), shard]);
  }
  const lost: number[] = [];
  const unreachable = new Set<string>();
  for (const [key, shards] of byCluster) {
    const [cluster, attemptText] = key.split('\u0000') as [string, string];
    if (!cluster) {
      lost.push(...shards);
      continue;
    }
    const config = deps.fleetConfig.clusters.find((c) => c.name === cluster);
    let jobs;
    try {
      if (!config?.available) throw new Error(`cluster ${cluster} is marked unavailable`);
      jobs = await deps.fleet.listJobs(cluster, deps.fleetConfig.namespace, `${LABELS.runId}=${run.runId}`);
    } catch (error) {
      deps.log.warn('cluster unreachable: its shards go elsewhere', { runId: run.runId, cluster, reason: (error as Error).message });
      unreachable.add(cluster);
      lost.push(...shards);
      continue;
    }
    const name = jobName(run.runId, cluster, Number(attemptText));
    const job = jobs.find((j) => j.metadata?.name === name);
    if (!job) {
      const dispatchedAt = Date.parse(lastDispatchTime(run, cluster, Number(attemptText)) ?? run.startedAt ?? run.createdAt);
      if (now.getTime() - dispatchedAt > MISSING_JOB_GRACE_MILLISECONDS) lost.push(...shards);
      continue;
    }
    const progress = jobProgress(job);
    const completed = new Set(progress.completed);
    const failed = new Set(progress.failed);
    for (const shard of shards) {
      if (completed.has(shard)) {
        if (await recoverFromResult(deps, run, shard, cluster, Number(attemptText))) report.recoveredFromResults++;
        else lost.push(shard);
      } else if (failed.has(shard)) {
        await recordFailed(deps, run, shard, 'the Job index failed for good (retries exhausted)', cluster);
        report.recordedFailed++;
      } else if (progress.finished) {
        lost.push(shard);
      }
    }
  }
  if (lost.length > 0) {
    const records = await redispatchShards(deps, run, {
      shards: lost,
      reason: unreachable.size ? `lost with ${[...unreachable].join(', ')}` : 'lost (no completion, no result)',
      ...(run.placementClusters ? { restrictTo: run.placementClusters } : {}),
      exclude: unreachable,
    });
    report.redispatched = records.reduce((n, r) => n + r.shards.length, 0);
  }
}

function lastDispatchTime(run: RunDocument, cluster: string, attempt: number): string | undefined {
  return (run.redispatches ?? []).filter((r) => r.cluster === cluster && r.attempt === attempt).pop()?.at;
}

/** Records a shard from the result its worker left (the completion event was lost). */
async function recoverFromResult(deps: Dependencies, run: RunDocument, shard: number, cluster: string, attempt: number): Promise<boolean> {
  const bucket = deps.config.buckets.results;
  const partialUri = runObjects.shardPartial(bucket, run.runId, shardKey(shard));
  const resultUri = runObjects.shardResult(bucket, run.runId, shardKey(shard));
  if (!(await deps.store.stat(partialUri)) || !(await deps.store.stat(resultUri))) return false;
  const partial = JSON.parse((await deps.store.read(partialUri)).toString('utf8')) as ShardPartial;
  const doc: ShardDocument = {
    shard,
    status: 'succeeded',
    attempt,
    cluster,
    resultUri,
    partialUri,
    parameters: partial.parameters,
    parametersFailed: partial.parametersFailed,
    cpuSeconds: 0,
    recordedAt: deps.now().toISOString(),
  };
  await deps.runs.recordShard(run.runId, doc, run.counts.shards);
  return true;
}

async function recordFailed(deps: Dependencies, run: RunDocument, shard: number, reason: string, cluster: string): Promise<void> {
  await deps.runs.recordShard(
    run.runId,
    {
      shard,
      status: 'failed',
      attempt: -1,
      cluster,
      parameters: 0,
      parametersFailed: 0,
      cpuSeconds: 0,
      error: reason,
      recordedAt: deps.now().toISOString(),
    },
    run.counts.shards,
  );
}
