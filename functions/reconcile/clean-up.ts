/**
 * Stopping a finished run's spend: when a run reaches a terminal status (by any
 * path: success, failure, deadline, a stalled Job, cancel), every Job of it that
 * has not finished (it still has, or would create, active or pending pods) is
 * deleted on every worker cluster, its pods with it. Jobs that finished are left
 * to their TTL, so an operator can still read their status and pods.
 *
 * Every terminal transition writes `fleetCleanedUp: false` with it
 * (announce.ts's UNANNOUNCED); reconcile cleans such runs up and marks them
 * `fleetCleanedUp: true` only when every cluster answered, so a cluster that was
 * unreachable is tried again on the next tick. Reconcile is the one identity
 * that deletes Jobs (bootstrap.ts gives it the verb); cancel runs as the operator.
 */
import type { RunDocument } from '../../shared/documents.ts';
import { LABELS } from '../../jobs/fleet/job-builder.ts';
import { jobProgress } from '../../jobs/fleet/job-status.ts';
import type { Dependencies } from '../pipeline/deps.ts';

/** What one clean-up did. */
export interface CleanUpReport {
  runId: string;
  /** `cluster/job` of every Job deleted. */
  deleted: string[];
  /** Clusters that could not be asked (tried again on the next tick). */
  unreachable: string[];
}

/** Deletes every unfinished Job of `run` on every cluster of the fleet; marks the run cleaned up when all clusters answered. */
export async function cleanUpRunJobs(deps: Dependencies, run: RunDocument): Promise<CleanUpReport> {
  const report: CleanUpReport = { runId: run.runId, deleted: [], unreachable: [] };
  const namespace = deps.fleetConfig.namespace;
  for (const cluster of deps.fleetConfig.clusters) {
    try {
      const jobs = await deps.fleet.listJobs(cluster.name, namespace, `${LABELS.runId}=${run.runId}`);
      for (const job of jobs) {
        if (jobProgress(job).finished) continue;
        const name = job.metadata!.name!;
        if (await deps.fleet.deleteJob(cluster.name, namespace, name)) report.deleted.push(`${cluster.name}/${name}`);
      }
    } catch (error) {
      report.unreachable.push(cluster.name);
      deps.log.warn('clean-up could not reach a cluster: tried again next tick', { runId: run.runId, cluster: cluster.name, error: (error as Error).message });
    }
  }
  if (report.unreachable.length === 0) await deps.runs.update(run.runId, { fleetCleanedUp: true });
  if (report.deleted.length) deps.log.info('finished run: its unfinished Jobs deleted', { runId: run.runId, status: run.status, deleted: report.deleted });
  return report;
}

/** Whether a finished run's Jobs still have to be cleaned up. */
export function owesCleanUp(run: RunDocument): boolean {
  return run.fleetCleanedUp === false;
}
