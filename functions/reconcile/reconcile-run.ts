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
import type { RunDocument, ShardDocument } from '../../shared/documents.ts';
import type { AggregateRequest } from '../../shared/messages.ts';
import { ShardOwnership } from '../../shared/shard-ownership.ts';
import { LABELS } from '../../jobs/fleet/job-builder.ts';
import { runObjects } from '../../shared/run-plan.ts';
import { readShardPartial } from '../../shared/shard-partial.ts';
import { shardKey } from '../../shared/ids.ts';
import { RESULTS_FORMATS } from '../../shared/manifest.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { redispatchShards } from '../pipeline/redispatch.ts';
import { jobState, needsScan, type ClusterJobs, type Graces, type JobState } from './job-state.ts';
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
function graces(deps: Dependencies): Graces {
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

/**
 * Reconciles a RUNNING run. A healthy run costs O(√shards + clusters) reads a
 * pass (its completion tallies and one Job list per cluster); the shard records
 * are read only when something needs them: a Job ended a while ago or went
 * missing, a cluster is unreachable, or the deadline passed.
 */
export async function reconcileRun(deps: Dependencies, run: RunDocument): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    runId: run.runId,
    scanned: false,
    recoveredFromResults: 0,
    recordedFailed: 0,
    redispatched: 0,
    aggregationRequested: false,
  };
  const log = deps.log.with({ runId: run.runId });
  const shards = run.counts.shards;
  const now = deps.now();
  const tally = await deps.runs.totalTally(run.runId, shards);
  if (tally < shards) {
    const pastDeadline = run.deadlineAt !== undefined && now.getTime() > Date.parse(run.deadlineAt);
    const ownership = ShardOwnership.of(run);
    const clusters = await observeClusters(deps, run, ownership);
    const owned = ownedJobs(ownership, (cluster) => {
      const seen = clusters.get(cluster);
      return seen && 'jobs' in seen ? seen.jobs : undefined;
    });
    const stalled = pastDeadline ? undefined : await handleStalledJobs(deps, run, owned, now);
    if (stalled) {
      report.stalled = stalled;
      return report;
    }
    // Each owning Job's state is decided once, for both the scan decision and the recovery.
    const states = new Map(ownership.owningJobs().map((owner) => [owner.job, jobState(run, owner, clusters.get(owner.cluster)!, now, graces(deps))]));
    if (pastDeadline || [...states.values()].some(needsScan)) {
      report.scanned = true;
      const recorded = new Set((await deps.runs.listShards(run.runId)).map((s) => s.shard));
      const missing = Array.from({ length: shards }, (_, s) => s).filter((s) => !recorded.has(s));
      if (missing.length > 0 && pastDeadline) {
        for (const shard of missing) {
          // A shard that finished but whose completion was lost still counts, even this late.
          const owner = ownership.ownerOf(shard);
          if (owner && (await recoverFromResult(deps, run, shard, owner.cluster, owner.attempt))) report.recoveredFromResults++;
          else {
            await recordFailed(deps, run, shard, 'DEADLINE_EXCEEDED: the run passed its deadline before this shard finished', 'deadline');
            report.recordedFailed++;
          }
        }
        log.warn('run passed its deadline: missing shards recorded as failed', { missing: missing.length, recovered: report.recoveredFromResults });
      } else if (missing.length > 0) {
        await recoverMissing(deps, run, ownership.byOwner(missing), states, report);
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
async function observeClusters(deps: Dependencies, run: RunDocument, ownership: ShardOwnership): Promise<Map<string, ClusterJobs>> {
  const out = new Map<string, ClusterJobs>();
  for (const cluster of new Set(ownership.owningJobs().map((o) => o.cluster))) {
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
 * What happened to the missing shards, Job by Job: a settled Job's completed
 * indexes are recovered from their results, its failed ones recorded as failed;
 * shards of an unreachable cluster, of a lost Job, of no Job, or that a settled
 * Job never ran are re-dispatched together as one new attempt. A pending Job's
 * shards are left to collect.
 */
async function recoverMissing(
  deps: Dependencies,
  run: RunDocument,
  missing: ReturnType<ShardOwnership['byOwner']>,
  states: ReadonlyMap<string, JobState>,
  report: ReconcileReport,
): Promise<void> {
  const lost: number[] = [...missing.unowned];
  const unreachable = new Set<string>();
  for (const owner of missing.owned) {
    const state = states.get(owner.job)!;
    if (state.kind === 'pending') continue;
    if (state.kind === 'unreachable') {
      deps.log.warn('cluster unreachable: its shards go elsewhere', { runId: run.runId, cluster: owner.cluster, reason: state.reason });
      unreachable.add(owner.cluster);
      lost.push(...owner.shards);
      continue;
    }
    if (state.kind === 'lost') {
      lost.push(...owner.shards);
      continue;
    }
    const completed = new Set(state.progress.completed);
    const failed = new Set(state.progress.failed);
    for (const shard of owner.shards) {
      if (completed.has(shard)) {
        if (await recoverFromResult(deps, run, shard, owner.cluster, owner.attempt)) report.recoveredFromResults++;
        else lost.push(shard);
      } else if (failed.has(shard)) {
        await recordFailed(deps, run, shard, 'the Job index failed for good (retries exhausted)', owner.cluster);
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
