/**
 * A run never hangs on pods that cannot start. The API server accepts a Job whose
 * pods will never run (an image that cannot be pulled, no node that fits, pods it
 * refuses); the Job then sits without a running pod until its deadline. A Job of
 * the run that has run no pod for {@link STALLED_JOB_MILLISECONDS} (configurable,
 * `stalledJobMilliseconds`) has its pods and events read (stall-diagnosis.ts):
 * - a lack of room (Unschedulable, a used-up quota): the Job's unfinished shards
 *   are re-placed on another cluster that can take them, and the stalled Job is
 *   deleted; when no other cluster can, the run waits its turn if the cluster is
 *   busy with other Altus pods (they will finish and free the room), and ends
 *   FAILED (UNSCHEDULABLE or POD_CREATE_FAILED) if it is not (no room will come);
 * - anything else (IMAGE_PULL_FAILED, POD_CREATE_FAILED): another cluster would
 *   fail the same way, so the run ends FAILED with the component's own message.
 * A healthy Job (some pod ready) costs no read beyond the Job list.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { RunDocument } from '../../shared/documents.ts';
import type { ShardOwnership } from '../../shared/shard-ownership.ts';
import { LABELS } from '../../jobs/fleet/job-builder.ts';
import { jobProgress } from '../../jobs/fleet/job-status.ts';
import { anyPodRunning, diagnoseStall, type StallCause } from '../../jobs/fleet/stall-diagnosis.ts';
import { announceFinished, UNANNOUNCED } from '../pipeline/announce.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { redispatchShards } from '../pipeline/redispatch.ts';
import { cleanUpRunJobs } from './clean-up.ts';

/** A Job that ran no pod this long is looked into, by default (the bound: at most 3 minutes). */
export const STALLED_JOB_MILLISECONDS = 3 * 60_000;
/** The label the Job controller puts on every pod of a Job. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** What reconcile did about a stalled Job. */
export interface StallOutcome {
  cluster: string;
  job: string;
  code: StallCause['code'];
  message: string;
  action: 'replaced' | 'failed';
}

/** A Job the run owns, as reconcile saw it this pass. */
export interface OwnedJob {
  cluster: string;
  attempt: number;
  /** The shards it owns now. */
  shards: readonly number[];
  /** Its shard list in Job index order, when a re-dispatch gave it one. */
  list?: readonly number[];
  job: V1Job;
}

/** Looks into the run's Jobs that ran no pod for too long; acts on the first with a known cause. */
export async function handleStalledJobs(deps: Dependencies, run: RunDocument, owned: readonly OwnedJob[], now: Date): Promise<StallOutcome | undefined> {
  const patience = deps.config.stalledJobMilliseconds ?? STALLED_JOB_MILLISECONDS;
  for (const entry of owned) {
    if (!looksStalled(entry.job, now, patience)) continue;
    const name = entry.job.metadata!.name!;
    let cause: StallCause | undefined;
    try {
      const namespace = deps.fleetConfig.namespace;
      const pods = await deps.fleet.listPods(entry.cluster, namespace, `${JOB_NAME_LABEL}=${name}`);
      if (anyPodRunning(pods)) continue;
      const events = await deps.fleet.listEvents(entry.cluster, namespace, `involvedObject.kind=Job,involvedObject.name=${name}`);
      cause = diagnoseStall(name, pods, events);
    } catch (error) {
      deps.log.warn("could not read a quiet Job's pods and events", { runId: run.runId, cluster: entry.cluster, job: name, error: (error as Error).message });
      continue;
    }
    if (!cause) continue;
    if (!cause.capacity) return fail(deps, run, entry, cause);
    const replaced = await replace(deps, run, entry, cause);
    if (replaced) return replaced;
    if (await busyWithOthers(deps, entry.cluster, run.runId)) {
      deps.log.info("no room for a Job yet: other runs' pods hold the cluster, the run waits its turn", {
        runId: run.runId,
        cluster: entry.cluster,
        job: name,
        cause: cause.message,
      });
      continue;
    }
    return fail(deps, run, entry, cause);
  }
  return undefined;
}

/** Whether other runs' Altus pods are running on the cluster: the room exists and frees up as they finish. */
async function busyWithOthers(deps: Dependencies, cluster: string, runId: string): Promise<boolean> {
  const pods = await deps.fleet.listPods(cluster, deps.fleetConfig.namespace, `${LABELS.managedBy}=altus`);
  return pods.some((p) => p.status?.phase === 'Running' && p.metadata?.labels?.[LABELS.runId] !== runId);
}

/** Not finished, older than the patience, and no pod ready now. */
function looksStalled(job: V1Job, now: Date, patience: number): boolean {
  if (jobProgress(job).finished) return false;
  if ((job.status?.ready ?? 0) > 0) return false;
  const created = Date.parse(String(job.metadata?.creationTimestamp ?? job.status?.startTime ?? ''));
  return Number.isFinite(created) && now.getTime() - created > patience;
}

/** Sends the Job's unfinished shards to another cluster with room; undefined when none can take them. */
async function replace(deps: Dependencies, run: RunDocument, entry: OwnedJob, cause: StallCause): Promise<StallOutcome | undefined> {
  const recorded = new Set((await deps.runs.listShards(run.runId)).map((s) => s.shard));
  const completed = new Set(jobProgress(entry.job, entry.list).completed);
  const shards = entry.shards.filter((s) => !recorded.has(s) && !completed.has(s));
  const exclude = new Set([entry.cluster, ...clustersWithoutRoom(run)]);
  const records = await redispatchShards(deps, run, {
    shards,
    reason: `no room on ${entry.cluster}: ${cause.message}`.slice(0, 500),
    noRoomOn: entry.cluster,
    ...(run.placementClusters ? { restrictTo: run.placementClusters } : {}),
    exclude,
  });
  if (records.length === 0) return undefined;
  const name = entry.job.metadata!.name!;
  // Its pods would otherwise start whenever room appears, computing shards another cluster now owns.
  await deps.fleet.deleteJob(entry.cluster, deps.fleetConfig.namespace, name);
  deps.log.warn('a Job could not get room: its shards were placed on another cluster', {
    runId: run.runId,
    cluster: entry.cluster,
    job: name,
    cause: cause.message,
  });
  return { cluster: entry.cluster, job: name, code: cause.code, message: cause.message, action: 'replaced' };
}

/** Clusters this run already left for lack of room. */
function clustersWithoutRoom(run: RunDocument): string[] {
  return (run.redispatches ?? []).flatMap((r) => (r.noRoomOn === undefined ? [] : [r.noRoomOn]));
}

/** Ends the run FAILED with the cause's code and message, announces it and deletes its unfinished Jobs. */
async function fail(deps: Dependencies, run: RunDocument, entry: OwnedJob, cause: StallCause): Promise<StallOutcome> {
  const name = entry.job.metadata!.name!;
  const failed = await deps.runs.transition(run.runId, ['RUNNING'], {
    status: 'FAILED',
    error: { code: cause.code, message: `${cause.message} (cluster ${entry.cluster})` },
    finishedAt: deps.now().toISOString(),
    ...UNANNOUNCED,
  });
  if (failed) {
    deps.log.error("a Job's pods cannot start: run FAILED", { runId: run.runId, cluster: entry.cluster, job: name, code: cause.code, cause: cause.message });
    await announceFinished(deps, failed);
    await cleanUpRunJobs(deps, failed);
  }
  return { cluster: entry.cluster, job: name, code: cause.code, message: cause.message, action: 'failed' };
}

/** The run's owning Jobs that were found on their clusters this pass. */
export function ownedJobs(ownership: ShardOwnership, jobsByCluster: (cluster: string) => readonly V1Job[] | undefined): OwnedJob[] {
  return ownership.owningJobs().flatMap((owner) => {
    const job = jobsByCluster(owner.cluster)?.find((j) => j.metadata?.name === owner.job);
    return job ? [{ cluster: owner.cluster, attempt: owner.attempt, shards: owner.shards, ...(owner.list ? { list: owner.list } : {}), job }] : [];
  });
}
