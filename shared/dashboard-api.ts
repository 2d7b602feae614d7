/**
 * The answers of the dashboard's JSON API (functions/dashboard/api.ts), as zod
 * schemas: the server's types are inferred from them and the browser bundle
 * decodes every answer with them. Imports only zod, so it bundles for the browser.
 *
 * What the server builds itself is `.strict()`. What it passes through from
 * stored documents (placement, aggregates, cost, risk) is a plain object schema:
 * a document written by another version may carry more, and the page reads only
 * what it draws. JSON has no NaN: a statistic of no values arrives as null.
 */
import * as z from 'zod';
import { RUN_STATUSES } from './documents.ts';

/** Shards done (succeeded or failed for good), failed, and in all. */
export const shardProgressSchema = z.strictObject({ total: z.number(), done: z.number(), failed: z.number() });
export type ShardProgress = z.infer<typeof shardProgressSchema>;

/** One worker cluster's share of a run. */
export const clusterProgressSchema = shardProgressSchema.extend({ cluster: z.string(), region: z.string().optional() }).strict();
export type ClusterProgress = z.infer<typeof clusterProgressSchema>;

/** A run's progress, overall and per cluster (in placement order, re-dispatch targets after). */
export const runProgressSchema = shardProgressSchema.extend({ clusters: z.array(clusterProgressSchema) }).strict();
export type RunProgress = z.infer<typeof runProgressSchema>;

/** One line of the runs list. */
export const runSummarySchema = z.strictObject({
  runId: z.string(),
  name: z.string(),
  status: z.enum(RUN_STATUSES),
  kernel: z.string().optional(),
  parameters: z.number(),
  parametersFailed: z.number(),
  progress: shardProgressSchema,
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** From start (or creation) to finish, or to now while the run goes on. */
  durationSeconds: z.number(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** `GET api/runs`: the most recent runs, newest first. */
export const runsAnswerSchema = z.strictObject({ runs: z.array(runSummarySchema) });
export type RunsAnswer = z.infer<typeof runsAnswerSchema>;

const statistic = z.number().nullable();

/** A metric's aggregate as the page draws it (shared/stats/partial.ts `MetricAggregate`). */
export const metricAggregateViewSchema = z.object({
  count: z.number(),
  mean: statistic,
  stddev: statistic,
  min: statistic,
  max: statistic,
  quantiles: z.record(z.string(), statistic),
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number()) }).optional(),
});
export type MetricAggregateView = z.infer<typeof metricAggregateViewSchema>;

/** Run-level VaR and expected shortfall of a P&L metric (shared/stats/tail-risk.ts `MetricRisk`). */
export const metricRiskViewSchema = z.object({
  count: z.number(),
  var: z.record(z.string(), statistic),
  es: z.record(z.string(), statistic),
  relativeAccuracy: z.number(),
});
export type MetricRiskView = z.infer<typeof metricRiskViewSchema>;

/** A run's estimated cost as the page shows it (shared/cost.ts `RunCost`). */
export const runCostViewSchema = z.object({
  estimatedUsd: z.number(),
  onDemandEquivalentUsd: z.number(),
  savingsPercent: z.number(),
  vcpuSeconds: z.number(),
  gpuSeconds: z.number(),
  shardsUnpriced: z.number(),
  byPool: z.array(
    z.object({
      cluster: z.string(),
      gpuPool: z.string().optional(),
      acceleratorType: z.string().optional(),
      machineType: z.string(),
      spot: z.boolean(),
      shards: z.number(),
      vcpuSeconds: z.number(),
      gpuSeconds: z.number(),
      prices: z.object({ perVcpuHour: z.number(), perGpuHour: z.number().optional() }),
      estimatedUsd: z.number(),
      onDemandEquivalentUsd: z.number(),
    }),
  ),
});

/** Where a run's results can be had, and how to query them. */
export const resultsLinkSchema = z.strictObject({
  uri: z.string(),
  format: z.enum(['parquet', 'ndjson']),
  /** Relative URL of the NDJSON file's download the dashboard serves (stores on this machine). */
  downloadPath: z.string().optional(),
  /** Parquet on this machine: the first parts' downloads, and how many parts there are. */
  parts: z.array(z.strictObject({ name: z.string(), downloadPath: z.string() })).optional(),
  partCount: z.number().optional(),
  /** The object or the dataset's folder in the Cloud Console (GCS). */
  consoleUrl: z.string().optional(),
  /** The command that copies the results here. */
  copyCommand: z.string().optional(),
  /** Parquet: a query over the rows with the CLI (`altus results <runId> --sql "…"`), and the same in BigQuery. */
  sqlCommand: z.string().optional(),
  bigQuery: z.string().optional(),
});
export type ResultsLink = z.infer<typeof resultsLinkSchema>;

/** `GET api/runs/<runId>`: everything the run page shows. */
export const runDetailSchema = z.strictObject({
  summary: runSummarySchema,
  progress: runProgressSchema,
  timings: z.strictObject({
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    /** Creation to start: validation, planning, placement. */
    queuedSeconds: z.number().optional(),
    /** Start to finish, or to now. */
    runningSeconds: z.number().optional(),
    /** CPU time of the shards, known once the run has ended. */
    cpuSeconds: z.number().optional(),
  }),
  placement: z.array(z.object({ cluster: z.string(), region: z.string(), offset: z.number(), count: z.number(), job: z.string() })),
  redispatches: z.array(z.strictObject({ attempt: z.number(), cluster: z.string(), shards: z.number(), reason: z.string(), at: z.string() })),
  failedShards: z.array(z.strictObject({ shard: z.number(), cluster: z.string(), attempt: z.number(), reason: z.string() })),
  quantileLevels: z.array(z.string()),
  /** Once the run has ended; empty before. */
  aggregates: z.record(z.string(), metricAggregateViewSchema),
  cost: runCostViewSchema.optional(),
  risk: z.record(z.string(), metricRiskViewSchema).optional(),
  results: resultsLinkSchema.optional(),
  lastError: z.object({ source: z.string(), message: z.string(), at: z.string() }).optional(),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

/** One failed parameter set: its index, the reason and its parameters as read. */
export const failedParameterSetSchema = z.strictObject({ index: z.number(), shard: z.number(), error: z.string(), params: z.unknown() });
export type FailedParameterSet = z.infer<typeof failedParameterSetSchema>;

/** `GET api/runs/<runId>/failed-parameters`: the first failed sets, and how many in all once the run has ended. */
export const failedParametersAnswerSchema = z.strictObject({ rows: z.array(failedParameterSetSchema), total: z.number().optional() });
export type FailedParametersAnswer = z.infer<typeof failedParametersAnswerSchema>;
