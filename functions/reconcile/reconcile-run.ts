/**
 * Reconciling one open run against what really happened on the fleet:
 * - a shard whose Job index completed but whose completion never arrived is
 *   recorded from the result it left in the bucket;
 * - a Job index that failed for good is recorded as a failed shard;
 * - shards on an unreachable or unavailable cluster, or of a Job that is gone or
 *   ended without running them, are re-dispatched as a new attempt elsewhere;
 * - past the run's deadline, every missing shard is recorded as failed (unless
 *   its result is in the bucket);
 * - when every shard is in, aggregation is requested (again: it is idempotent).
 */
import type { V1Job } from '@kubernetes/client-node';
import type { RunDocument, ShardDocument } from '../../shared/documents.ts';
import type { AggregateRequest } from '../../shared/messages.ts';
import { LABELS, jobName } from '../../jobs/fleet/job-builder.ts';
import { jobProgress, type JobProgress } from '../../jobs/fleet/job-status.ts';
import { runObjects } from '../../shared/run-plan.ts';
import { readShardPartial } from '../../shared/shard-partial.ts';
import { shardKey } from '../../shared/ids.ts';
import { RESULTS_FORMATS } from '../../shared/manifest.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { listedShards, redispatchShards, shardOwners } from '../pipeline/redispatch.ts';
import { handleStalledJobs, ownedJobs, type StallOutcome } from './stalled-jobs.ts';

/**
 * How long after a Job ended its indexes' completion events may still be on
 * their way to collect (redelivery included), by default. Before that, reconcile
 * leaves the Job's shards to collect rather than racing it with reads of the
 * results. A Job not seen twice this long after its dispatch is taken as lost.
 * `reconcileGraceMilliseconds` in the runtime configuration overrides it.
 */
export const COMPLETION_GRACE_MILLISECONDS = 60_000;

/** The graces of this deployment. */
function graces(deps: Dependencies): { completion: number; missingJob: number } {
  const completion = deps.config.reconcileGraceMilliseconds ?? COMPLETION_GRACE_MILLISECONDS;
  return { completion, missingJob: 2 * completion };
}

/** What one pass did to a run. */
export interface ReconcileReport {
  runId: string;
  /** Whether the shard records were read this pass (only when the tallies and the Jobs say something is off). */
  scanned: boolean;
  recoveredFromResults: number;
  recordedFailed: number;
  redispatched: number;
  aggregationRequested: boolean;
  /** A Job whose pods could not start, and what was done about it (its shards re-placed, or the run failed). */
  stalled?: StallOutcome;
}

/** What a worker cluster said about the run's Jobs this pass. */
type ClusterJobs = { jobs: V1Job[] } | { unreachable: string };

/**
 * Reconciles a RUNNING run. A healthy run costs O(√shards + clusters) reads a
 * pass (its completion tallies and one Job list per cluster); the shard records
 * are read only when something needs them: a Job ended a while ago or went
 * missing, a cluster is unreachable, or the deadline passed.
 */
export async function reconcileRun(deps: Dependencies, run: RunDocument): Promise<ReconcileReport> {
  const report: ReconcileReport = { runId: run.runId, scanned: false, recoveredFromResults: 0, recordedFailed: 0, redispatched: 0, aggregationRequested: false };
  const log = deps.log.with({ runId: run.runId });
  const shards = run.counts.shards;
  const now = deps.now();
  const tally = await deps.runs.totalTally(run.runId, shards);
  if (tally < shards) {
    const pastDeadline = run.deadlineAt !== undefined && now.getTime() > Date.parse(run.deadlineAt);
    const owners = shardOwners(run);
    const clusters = await observeClusters(deps, run, owners);
    const owned = ownedJobs(run, owners, (cluster) => {
      const seen = clusters.get(cluster);
      return seen && 'jobs' in seen ? seen.jobs : undefined;
    });
    const stalled = pastDeadline ? undefined : await handleStalledJobs(deps, run, owned, now);
    if (stalled) {
      report.stalled = stalled;
      return report;
    }
    if (pastDeadline || needsScan(run, owners, clusters, now, graces(deps))) {
      report.scanned = true;
      const recorded = new Set((await deps.runs.listShards(run.runId)).map((s) => s.shard));
      const missing = Array.from({ length: shards }, (_, s) => s).filter((s) => !recorded.has(s));
      if (missing.length > 0 && pastDeadline) {
        for (const shard of missing) {
          // A shard that finished but whose completion was lost still counts, even this late.
          const owner = owners.get(shard);
          if (owner && (await recoverFromResult(deps, run, shard, owner.cluster, owner.attempt))) report.recoveredFromResults++;
          else {
            await recordFailed(deps, run, shard, 'DEADLINE_EXCEEDED: the run passed its deadline before this shard finished', 'deadline');
            report.recordedFailed++;
          }
        }
        log.warn('run passed its deadline: missing shards recorded as failed', { missing: missing.length, recovered: report.recoveredFromResults });
      } else if (missing.length > 0) {
        await recoverMissing(deps, run, missing, owners, clusters, now, report);
      }
    }
  }
  const recordedNow = report.recoveredFromResults + report.recordedFailed;
  if (tally + recordedNow >= shards && (await deps.runs.countShards(run.runId)) >= shards) {
    const request: AggregateRequest = { v: 1, runId: run.runId };
    await deps.bus.publish('aggregate', request);
    report.aggregationRequested = true;
  }
  return report;
}

/** One Job list per cluster that owns shards of the run (an unavailable or failing cluster is unreachable). */
async function observeClusters(deps: Dependencies, run: RunDocument, owners: Map<number, ShardOwner>): Promise<Map<string, ClusterJobs>> {
  const out = new Map<string, ClusterJobs>();
  for (const cluster of new Set([...owners.values()].map((o) => o.cluster))) {
    const config = deps.fleetConfig.clusters.find((c) => c.name === cluster);
    try {
      if (!config?.available) throw new Error(`cluster ${cluster} is ${config ? 'marked unavailable' : 'not in the fleet configuration'}`);
      out.set(cluster, { jobs: await deps.fleet.listJobs(cluster, deps.fleetConfig.namespace, `${LABELS.runId}=${run.runId}`) });
    } catch (error) {
      out.set(cluster, { unreachable: (error as Error).message });
    }
  }
  return out;
}

/**
 * Whether the shard records must be read: some owning cluster is unreachable,
 * an owning Job is missing past its grace, or one ended long enough ago that
 * every completion it sent has arrived (so a shard still missing was lost). A
 * Job still running is left to collect: its finished indexes' completions may
 * be in flight, and the run cannot end before the Job does anyway.
 */
function needsScan(run: RunDocument, owners: Map<number, ShardOwner>, clusters: Map<string, ClusterJobs>, now: Date, grace: { completion: number; missingJob: number }): boolean {
  for (const key of new Set([...owners.values()].map((o) => `${o.cluster}\u0000${o.attempt}`))) {
    const [cluster, attemptText] = key.split('\u0000') as [string, string];
    const attempt = Number(attemptText);
    const seen = clusters.get(cluster)!;
    if ('unreachable' in seen) return true;
    const job = seen.jobs.find((j) => j.metadata?.name === jobName(run.runId, cluster, attempt));
    if (!job) {
      if (now.getTime() - dispatchTime(run, cluster, attempt) > grace.missingJob) return true;
      continue;
    }
    if (settled(jobProgress(job), now, grace.completion)) return true;
  }
  return false;
}

/** The Job ended, and the completions it sent have had time to arrive. */
function settled(progress: JobProgress, now: Date, graceMilliseconds: number): boolean {
  return progress.finished && (progress.finishedAt === undefined || now.getTime() - progress.finishedAt.getTime() > graceMilliseconds);
}

type ShardOwner = { cluster: string; attempt: number };

async function recoverMissing(
  deps: Dependencies,
  run: RunDocument,
  missing: number[],
  owners: Map<number, ShardOwner>,
  clusters: Map<string, ClusterJobs>,
  now: Date,
  report: ReconcileReport,
): Promise<void> {
  const grace = graces(deps);
  const byOwner = new Map<string, number[]>();
  for (const shard of missing) {
    const owner = owners.get(shard);
    const key = owner ? `${owner.cluster}\u0000${owner.attempt}` : '\u0000';
    byOwner.set(key, [...(byOwner.get(key) ?? []), shard]);
  }
  const lost: number[] = [];
  const unreachable = new Set<string>();
  for (const [key, shards] of byOwner) {
    const [cluster, attemptText] = key.split('\u0000') as [string, string];
    if (!cluster) {
      lost.push(...shards);
      continue;
    }
    const seen = clusters.get(cluster)!;
    if ('unreachable' in seen) {
      deps.log.warn('cluster unreachable: its shards go elsewhere', { runId: run.runId, cluster, reason: seen.unreachable });
      unreachable.add(cluster);
      lost.push(...shards);
      continue;
    }
    const attempt = Number(attemptText);
    const job = seen.jobs.find((j) => j.metadata?.name === jobName(run.runId, cluster, attempt));
    if (!job) {
      if (now.getTime() - dispatchTime(run, cluster, attempt) > grace.missingJob) lost.push(...shards);
      continue;
    }
    const progress = jobProgress(job, listedShards(run, cluster, attempt));
    // Still running, or just ended: its shards' completions may be on their way to collect.
    if (!settled(progress, now, grace.completion)) continue;
    const completed = new Set(progress.completed);
    const failed = new Set(progress.failed);
    for (const shard of shards) {
      if (completed.has(shard)) {
        if (await recoverFromResult(deps, run, shard, cluster, attempt)) report.recoveredFromResults++;
        else lost.push(shard);
      } else if (failed.has(shard)) {
        await recordFailed(deps, run, shard, 'the Job index failed for good (retries exhausted)', cluster);
        report.recordedFailed++;
      } else {
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

/** When the Job of (cluster, attempt) was asked for. */
function dispatchTime(run: RunDocument, cluster: string, attempt: number): number {
  return Date.parse(lastDispatchTime(run, cluster, attempt) ?? run.startedAt ?? run.createdAt);
}

function lastDispatchTime(run: RunDocument, cluster: string, attempt: number): string | undefined {
  return (run.redispatches ?? []).filter((r) => r.cluster === cluster && r.attempt === attempt).pop()?.at;
}

/** Records a shard from the result its worker left (the completion event was lost). */
async function recoverFromResult(deps: Dependencies, run: RunDocument, shard: number, cluster: string, attempt: number): Promise<boolean> {
  const bucket = deps.config.buckets.results;
  const partialUri = runObjects.shardPartial(bucket, run.runId, shardKey(shard));
  if (!(await deps.store.stat(partialUri))) return false;
  // The run's results format is in its plan; the shard's result is whichever format's object it left.
  let resultUri: string | undefined;
  for (const format of RESULTS_FORMATS) {
    const uri = runObjects.shardResult(bucket, run.runId, shardKey(shard), format);
    if (await deps.store.stat(uri)) {
      resultUri = uri;
      break;
    }
  }
  if (!resultUri) return false;
  const partial = readShardPartial(await deps.store.read(partialUri), partialUri);
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
