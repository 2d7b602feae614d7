/**
 * How far a run is, overall and per worker cluster: what the dashboard shows and
 * the terminal progress bars draw. Which cluster owns a shard comes from the run's
 * placement and re-dispatches; how many are done from the shard records.
 */
import type { ClusterProgress, RunProgress, RunSummary, ShardProgress } from './dashboard-api.ts';
import { TERMINAL_STATUSES, type RunDocument } from './documents.ts';
import { ShardOwnership } from './shard-ownership.ts';
import type { ShardQueries } from './shard-queries.ts';

// The shapes are the dashboard API's (shared/dashboard-api.ts): the page and the terminal show the same model.
export type { ClusterProgress, RunProgress, RunSummary, ShardProgress };

/** Whether the run will not change any more (short of a retry). */
export function isTerminal(run: RunDocument): boolean {
  return TERMINAL_STATUSES.includes(run.status);
}

/** Overall progress: the run document's counts once it has ended, the shard records before. */
export async function overallProgress(run: RunDocument, shards: ShardQueries): Promise<ShardProgress> {
  const total = run.counts.shards;
  if (isTerminal(run) || total === 0) {
    return { total, done: run.counts.shardsSucceeded + run.counts.shardsFailed, failed: run.counts.shardsFailed };
  }
  const [done, failed] = await Promise.all([shards.count(run.runId), shards.count(run.runId, { status: 'failed' })]);
  return { total, done, failed };
}

/** Overall and per-cluster progress (two aggregation queries per cluster). */
export async function runProgress(run: RunDocument, shards: ShardQueries, regions: Readonly<Record<string, string>> = {}): Promise<RunProgress> {
  const owned = ShardOwnership.of(run).shardsByCluster();
  const placedRegion = new Map((run.placement ?? []).map((p) => [p.cluster, p.region]));
  const [overall, clusters] = await Promise.all([
    overallProgress(run, shards),
    Promise.all(
      [...owned].map(async ([cluster, total]): Promise<ClusterProgress> => {
        const [done, failed] = await Promise.all([shards.count(run.runId, { cluster }), shards.count(run.runId, { cluster, status: 'failed' })]);
        const region = placedRegion.get(cluster) ?? regions[cluster];
        return { cluster, ...(region ? { region } : {}), total, done, failed };
      }),
    ),
  ]);
  return { ...overall, clusters };
}

/** Seconds from the run's start (or creation) to its end, or to `now`. */
export function runDurationSeconds(run: RunDocument, now: Date): number {
  const start = Date.parse(run.startedAt ?? run.createdAt);
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now.getTime();
  return Math.max(0, (end - start) / 1000);
}

/** The runs-list line of a run. */
export function summarizeRun(run: RunDocument, progress: ShardProgress, now: Date): RunSummary {
  return {
    runId: run.runId,
    name: run.name,
    status: run.status,
    ...(run.kernel ? { kernel: run.kernel } : {}),
    parameters: run.counts.parameters,
    parametersFailed: run.counts.parametersFailed,
    progress: { total: progress.total, done: progress.done, failed: progress.failed },
    createdAt: run.createdAt,
    ...(run.startedAt ? { startedAt: run.startedAt } : {}),
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    durationSeconds: runDurationSeconds(run, now),
    ...(run.error ? { error: { code: run.error.code, message: run.error.message } } : {}),
  };
}
