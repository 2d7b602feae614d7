/**
 * The dashboard's read-only JSON API: the runs list, one run's detail (progress
 * per cluster, failures, timings, aggregates with histograms, cost, results) and
 * its failed parameter sets. Every answer is bounded whatever the run's size;
 * its shape is the schema of shared/dashboard-api.ts.
 */
import type { FailedParametersAnswer, ResultsLink, RunDetail, RunSummary } from '../../shared/dashboard-api.ts';
import type { RunDocument } from '../../shared/documents.ts';
import { parseObjectUri } from '../../shared/storage/object-store.ts';
import type { DashboardDependencies } from './deps.ts';
import { failedParameterSets } from './failed-parameters.ts';
import { isTerminal, overallProgress, runDurationSeconds, runProgress, summarizeRun } from '../../shared/run-progress.ts';

/** Most runs one list answer holds. */
export const MAX_RUNS_LISTED = 200;
/** Failed shards and failed parameter sets listed at most on a run page. */
export const MAX_FAILURES_LISTED = 100;

/** Parquet parts linked on a run page at most (the rest are in the folder). */
export const MAX_PARTS_LINKED = 20;

/** The most recent runs, newest first. */
export async function listRunSummaries(deps: DashboardDependencies, limit: number): Promise<RunSummary[]> {
  const runs = await deps.runs.listRuns(Math.min(Math.max(1, limit), MAX_RUNS_LISTED));
  const now = deps.now();
  return Promise.all(runs.map(async (run) => summarizeRun(run, await overallProgress(run, deps.shards), now)));
}

/** One run's detail, or null when there is no such run. */
export async function runDetail(deps: DashboardDependencies, runId: string): Promise<RunDetail | null> {
  const run = await deps.runs.getRun(runId);
  if (!run) return null;
  const now = deps.now();
  const [progress, failed] = await Promise.all([runProgress(run, deps.shards, deps.regions), deps.shards.failed(runId, MAX_FAILURES_LISTED)]);
  const aggregates = run.aggregates ?? {};
  const first = Object.values(aggregates)[0];
  return {
    summary: summarizeRun(run, progress, now),
    progress,
    timings: {
      createdAt: run.createdAt,
      ...(run.startedAt ? { startedAt: run.startedAt, queuedSeconds: secondsBetween(run.createdAt, run.startedAt) } : {}),
      ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
      ...(run.startedAt ? { runningSeconds: runDurationSeconds(run, now) } : {}),
      ...(run.cpuSeconds !== undefined ? { cpuSeconds: run.cpuSeconds } : {}),
    },
    placement: run.placement ?? [],
    redispatches: (run.redispatches ?? []).map((r) => ({ attempt: r.attempt, cluster: r.cluster, shards: r.shards.length, reason: r.reason, at: r.at })),
    failedShards: failed.map((s) => ({ shard: s.shard, cluster: s.cluster, attempt: s.attempt, reason: s.error ?? 'unknown' })),
    quantileLevels: first ? Object.keys(first.quantiles) : [],
    aggregates: isTerminal(run) ? aggregates : {},
    ...(run.cost ? { cost: run.cost } : {}),
    ...(run.risk && isTerminal(run) ? { risk: run.risk } : {}),
    ...(run.results ? { results: await resultsLink(deps, run) } : {}),
    ...(run.lastError ? { lastError: run.lastError } : {}),
  };
}

/** Up to `limit` failed parameter sets of a run, and how many failed in all when the run has ended. */
export async function runFailedParameters(deps: DashboardDependencies, run: RunDocument, limit: number): Promise<FailedParametersAnswer> {
  const rows = await failedParameterSets(deps, run.runId, Math.min(Math.max(1, limit), MAX_FAILURES_LISTED));
  return { rows, ...(isTerminal(run) ? { total: run.counts.parametersFailed } : {}) };
}

async function resultsLink(deps: DashboardDependencies, run: RunDocument): Promise<ResultsLink> {
  const results = run.results!;
  const { uri } = results;
  const project = encodeURIComponent(deps.projectId);
  if (results.format !== 'parquet') {
    if (deps.store.localPath) return { uri, format: 'ndjson', downloadPath: `api/runs/${run.runId}/results.ndjson` };
    const { bucket, name } = parseObjectUri(uri);
    const path = [bucket, ...name.split('/')].map(encodeURIComponent).join('/');
    return {
      uri,
      format: 'ndjson',
      consoleUrl: `https://console.cloud.google.com/storage/browser/_details/${path}?project=${project}`,
      copyCommand: `gcloud storage cp ${uri} .`,
    };
  }
  const query = {
    ...(results.sql ? { sqlCommand: `altus results ${run.runId} --sql "${results.sql}"` } : {}),
    ...(results.bigQuery ? { bigQuery: results.bigQuery } : {}),
  };
  if (deps.store.localPath) {
    const names = (await deps.store.list(uri)).filter((n) => PART_NAME.test(n.slice(n.lastIndexOf('/') + 1)));
    const parts = names.slice(0, MAX_PARTS_LINKED).map((n) => {
      const name = n.slice(n.lastIndexOf('/') + 1);
      return { name, downloadPath: `api/runs/${run.runId}/parts/${name}` };
    });
    return { uri, format: 'parquet', parts, partCount: names.length, ...query };
  }
  const { bucket, name } = parseObjectUri(uri.replace(/\/$/, ''));
  const path = [bucket, ...name.split('/')].map(encodeURIComponent).join('/');
  return {
    uri,
    format: 'parquet',
    consoleUrl: `https://console.cloud.google.com/storage/browser/${path}?project=${project}`,
    copyCommand: `gcloud storage cp -r ${uri} .`,
    ...query,
  };
}

/** A part of a run's Parquet dataset, as the workers name it. */
export const PART_NAME = /^part-\d{6,}\.parquet$/;

function secondsBetween(from: string, to: string): number {
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}
