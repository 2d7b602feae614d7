/**
 * Reading an Altus Job back: which global shards its indexes cover (from the
 * worker environment the builder set) and which of them completed or failed
 * for good (`completedIndexes`, `failedIndexes`, conditions).
 */
import type { V1Job } from '@kubernetes/client-node';
import { WORKER_ENV } from '../worker/environment.ts';
import { parseIndexSet, parseShardList } from '../../shared/shard-list.ts';

/** A Job's shards and how far they got. */
export interface JobProgress {
  /** Global shard of each index. */
  shards: number[];
  completed: number[];
  failed: number[];
  /** The Job ended (Complete or Failed condition): indexes in neither list will not run again. */
  finished: boolean;
  /** When it ended (the condition's lastTransitionTime), when known. */
  finishedAt?: Date;
  /** Why a finished Job failed, if it did. */
  failureReason?: string;
}

/**
 * The global shards of a Job's indexes, from ALTUS_SHARD_OFFSET or ALTUS_SHARD_LIST;
 * a Job whose list is an object in the bucket (ALTUS_SHARD_LIST_URI) maps its
 * indexes onto `listed`, the shards the run recorded for it, in order.
 */
export function jobShards(job: V1Job, listed?: readonly number[]): number[] {
  const env = job.spec?.template.spec?.containers[0]?.env ?? [];
  const value = (name: string) => env.find((e) => e.name === name)?.value;
  const list = value(WORKER_ENV.shardList);
  if (list) return parseShardList(list).toArray();
  if (value(WORKER_ENV.shardListUri) !== undefined) return [...(listed ?? [])].sort((a, b) => a - b);
  const offset = Number(value(WORKER_ENV.shardOffset) ?? 0);
  return Array.from({ length: job.spec?.completions ?? 0 }, (_, i) => offset + i);
}

/** Progress of a Job in global shard numbers (`listed`: its shards when its list is in the bucket, see {@link jobShards}). */
export function jobProgress(job: V1Job, listed?: readonly number[]): JobProgress {
  const shards = jobShards(job, listed);
  const toShards = (indexes: number[]) => indexes.filter((i) => i < shards.length).map((i) => shards[i]!);
  const conditions = job.status?.conditions ?? [];
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  const complete = conditions.find((c) => c.type === 'Complete' && c.status === 'True');
  const ended = failed ?? complete;
  const endedAt = ended?.lastTransitionTime ? new Date(ended.lastTransitionTime) : undefined;
  return {
    shards,
    completed: toShards(parseIndexSet(job.status?.completedIndexes).toArray()),
    failed: toShards(parseIndexSet(job.status?.failedIndexes).toArray()),
    finished: ended !== undefined,
    ...(endedAt && Number.isFinite(endedAt.getTime()) ? { finishedAt: endedAt } : {}),
    ...(failed ? { failureReason: `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim() } : {}),
  };
}
