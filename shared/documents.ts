/**
 * Firestore documents: `runs/{runId}` (one per run, written O(1) times) and
 * `runs/{runId}/shards/{shard}` (created once per shard, create-if-absent), and
 * `runs/{runId}/tallies/{group}` (≈√shards completion tallies, see run-store.ts):
 * completions are never counted by incrementing one hot document.
 */
import type { ErrorCode } from './errors.ts';
import type { RunCost } from './cost.ts';
import type { GpuRequest } from './resources.ts';
import type { MetricAggregate } from './stats/partial.ts';
import type { MetricRisk } from './stats/tail-risk.ts';

/** Run statuses; terminal ones never change again (except a retry reopening PARTIAL/FAILED). */
export const RUN_STATUSES = ['ACCEPTED', 'RUNNING', 'AGGREGATING', 'SUCCEEDED', 'PARTIAL', 'FAILED', 'REJECTED', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['SUCCEEDED', 'PARTIAL', 'FAILED', 'REJECTED', 'CANCELLED'];

/** Where a run came from. */
export type RunOrigin = { kind: 'upload'; bucket: string; object: string; generation: string } | { kind: 'request'; requestId: string };

/** Counts on the run document. */
export interface RunCounts {
  parameters: number;
  shards: number;
  shardsSucceeded: number;
  shardsFailed: number;
  parametersFailed: number;
}

/** One cluster's share of a run. */
export interface RunPlacement {
  cluster: string;
  region: string;
  offset: number;
  count: number;
  job: string;
}

/** Failed shards listed with their reasons on the run document (the rest are counted and in `failedShardList`). */
export const FAILED_SHARDS_LISTED = 100;
/** Longest failure reason kept on the run document (the shard record keeps it whole). */
export const FAILED_REASON_CHARS = 500;

/**
 * Where a run's rows are: the Parquet dataset's folder (`…/run_id=<runId>/`, one
 * `part-<shard>.parquet` per shard) or the NDJSON results file.
 */
export interface RunResults {
  uri: string;
  /** The same, on this machine (local stack). */
  path?: string;
  /** Absent on runs finished before Parquet results: NDJSON. */
  format?: 'parquet' | 'ndjson';
  /** Parquet: a first query (`altus results <runId> --sql "…"`) and the ready `bq query` command over the folder. */
  sql?: string;
  bigQuery?: string;
}

/** `runs/{runId}`. */
export interface RunDocument {
  runId: string;
  name: string;
  status: RunStatus;
  origin: RunOrigin;
  /** SHA-256 of the manifest bytes: a repeated request id with another manifest is a conflict. */
  manifestHash: string;
  kernel?: string;
  /** Why the run was rejected or did not succeed: a documented code and a message a person can act on. */
  error?: { code: ErrorCode; message: string };
  counts: RunCounts;
  aggregates?: Record<string, MetricAggregate>;
  /** Run-level VaR and ES by metric (only `pnl`), when the manifest asks for `aggregate.expectedShortfall`. */
  risk?: Record<string, MetricRisk>;
  results?: RunResults;
  planUri?: string;
  placement?: RunPlacement[];
  /** The manifest's `placement.clusters`, when it restricts the choice (re-dispatches honour it). */
  placementClusters?: string[];
  /**
   * The first failed shards (at most {@link FAILED_SHARDS_LISTED}, reasons cut to
   * {@link FAILED_REASON_CHARS}); every failed shard is in `failedShardList`. The
   * document stays far below Firestore's 1 MiB however many shards fail.
   */
  failedShards?: Array<{ shard: number; reason: string }>;
  /** Every failed shard, ascending, as ranges (`3,7-9`): what `altus retry` sends again. */
  failedShardList?: string;
  /** Shards sent again as a new attempt (reconcile, retry), newest last. */
  redispatches?: RunRedispatch[];
  /** The last failure of a handler on this run's messages (they are redelivered, then parked). */
  lastError?: { source: string; message: string; at: string };
  /** run-finished was published for the current finish (a retry re-opens and clears it). */
  runFinishedPublished?: boolean;
  /**
   * false from a terminal transition until reconcile has deleted the run's
   * unfinished Jobs on every cluster (functions/reconcile/clean-up.ts); true after.
   */
  fleetCleanedUp?: boolean;
  /** When aggregation started (reconcile asks again if it stalls). */
  aggregatingSince?: string;
  /** Deadline of the run (ISO 8601): startedAt + deadlineSeconds. */
  deadlineAt?: string;
  cpuSeconds?: number;
  /** The manifest's GPU request (placement and re-dispatches only use clusters that can serve it). */
  gpu?: GpuRequest;
  /** Estimated compute cost of the recorded shards, written when the run finishes (shared/cost.ts). */
  cost?: RunCost;
  attempt: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** One re-dispatch of scattered shards onto a cluster. */
export interface RunRedispatch {
  attempt: number;
  cluster: string;
  shards: number[];
  reason: string;
  /** The cluster these shards left because their Job found no room there (the run does not go back to it). */
  noRoomOn?: string;
  at: string;
}

/** `runs/{runId}/shards/{shardKey}`. */
export interface ShardDocument {
  shard: number;
  status: 'succeeded' | 'failed';
  attempt: number;
  cluster: string;
  resultUri?: string;
  partialUri?: string;
  parameters: number;
  parametersFailed: number;
  cpuSeconds: number;
  /** Wall time of the worker on the shard (absent on records from older workers and on reconcile's). */
  wallSeconds?: number;
  error?: string;
  recordedAt: string;
}

/** Zero counts. */
export function emptyCounts(): RunCounts {
  return { parameters: 0, shards: 0, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 };
}
