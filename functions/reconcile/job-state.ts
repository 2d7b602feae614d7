/**
 * What reconcile makes of one owning Job (cluster, attempt) of a run this pass,
 * decided once and read by both questions it asks: must the shard records be
 * read at all, and what happened to each missing shard the Job owns.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { RunDocument } from '../../shared/documents.ts';
import type { OwningJob } from '../../shared/shard-ownership.ts';
import { jobProgress, type JobProgress } from '../../jobs/fleet/job-status.ts';

/** What a worker cluster said about the run's Jobs this pass. */
export type ClusterJobs = { readonly jobs: readonly V1Job[] } | { readonly unreachable: string };

/** The graces of a deployment (reconcile-run.ts). */
export interface Graces {
  /** After a Job ended, how long its completions may still be on their way to collect. */
  readonly completion: number;
  /** How long after its dispatch a Job not seen on its cluster is taken as lost. */
  readonly missingJob: number;
}

/** One owning Job's state. */
export type JobState =
  /** Its cluster did not answer (or may not be used): its shards go elsewhere. */
  | { readonly kind: 'unreachable'; readonly reason: string }
  /** Not on its cluster, and long enough after its dispatch that it never will be. */
  | { readonly kind: 'lost' }
  /** Running, just ended, or not there yet: its shards are left to collect this pass. */
  | { readonly kind: 'pending' }
  /** Ended, and every completion it sent has had time to arrive. */
  | { readonly kind: 'settled'; readonly progress: JobProgress };

/** The state of `owner` from its cluster's answer, at `now`. */
export function jobState(run: RunDocument, owner: OwningJob, seen: ClusterJobs, now: Date, graces: Graces): JobState {
  if ('unreachable' in seen) return { kind: 'unreachable', reason: seen.unreachable };
  const job = seen.jobs.find((j) => j.metadata?.name === owner.job);
  if (!job) {
    const dispatchedAt = Date.parse(owner.dispatchedAt ?? run.startedAt ?? run.createdAt);
    return now.getTime() - dispatchedAt > graces.missingJob ? { kind: 'lost' } : { kind: 'pending' };
  }
  const progress = jobProgress(job, owner.list);
  const settled = progress.finished && (progress.finishedAt === undefined || now.getTime() - progress.finishedAt.getTime() > graces.completion);
  return settled ? { kind: 'settled', progress } : { kind: 'pending' };
}

/** Whether a state means some shard of the Job may be missing for good, so the shard records must be read. */
export function needsScan(state: JobState): boolean {
  return state.kind !== 'pending';
}
