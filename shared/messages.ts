/**
 * One versioned schema per topic. Messages carry ids, ranges and URIs; data
 * travels through the buckets, never through Pub/Sub.
 */
import { z } from 'zod';
import { RUN_ID_PATTERN } from './ids.ts';

const runId = z.string().regex(RUN_ID_PATTERN, 'lowercase letters, digits and "-" (not first or last), at most 40 characters');

/** `run-requests`: start a run from an inline manifest or a manifest object. */
export const runRequestSchema = z.union([
  z.object({ requestId: runId, manifest: z.unknown() }).strict(),
  z.object({ requestId: runId, manifestUri: z.string().min(1).max(2048) }).strict(),
]);
export type RunRequest = z.infer<typeof runRequestSchema>;

/** Which shards a dispatch covers: a contiguous slice or an explicit list. */
export const shardSelectionSchema = z.union([
  z.object({ offset: z.number().int().min(0), count: z.number().int().min(1) }).strict(),
  z.object({ list: z.array(z.number().int().min(0)).min(1) }).strict(),
]);
export type ShardSelection = z.infer<typeof shardSelectionSchema>;

/** `dispatch`: create the Job of one (run, cluster, attempt). */
export const dispatchMessageSchema = z
  .object({
    v: z.literal(1),
    runId,
    cluster: z.string().min(1),
    attempt: z.number().int().min(0),
    shards: shardSelectionSchema,
  })
  .strict();
export type DispatchMessage = z.infer<typeof dispatchMessageSchema>;

/** `completions`: one shard finished on a worker, successfully or for good. */
export const completionEventSchema = z
  .object({
    v: z.literal(1),
    runId,
    shard: z.number().int().min(0),
    attempt: z.number().int().min(0),
    cluster: z.string().min(1),
    status: z.enum(['succeeded', 'failed']),
    /** Shard result objects (present when succeeded). */
    resultUri: z.string().optional(),
    partialUri: z.string().optional(),
    parameters: z.number().int().min(0),
    parametersFailed: z.number().int().min(0),
    /** CPU time the worker process used on the shard (user + system). */
    cpuSeconds: z.number().min(0),
    /** Wall time the worker spent on the shard; the cost estimate bills the pod's requested vCPUs and GPUs for it. */
    wallSeconds: z.number().min(0).optional(),
    /** Why the shard failed for good (when failed). */
    error: z.string().max(2000).optional(),
  })
  .strict();
export type CompletionEvent = z.infer<typeof completionEventSchema>;

/** `aggregate`: every shard of the run is in; merge and finish it. */
export const aggregateRequestSchema = z.object({ v: z.literal(1), runId }).strict();
export type AggregateRequest = z.infer<typeof aggregateRequestSchema>;

/** `run-finished`: for downstream consumers; published once per run by the finalizer. */
export const runFinishedSchema = z
  .object({
    v: z.literal(1),
    runId,
    status: z.enum(['SUCCEEDED', 'PARTIAL', 'FAILED', 'REJECTED', 'CANCELLED']),
    counts: z.record(z.string(), z.number()),
    resultsUri: z.string().optional(),
  })
  .strict();
export type RunFinished = z.infer<typeof runFinishedSchema>;

/** `reconcile`: a tick (scheduler in the cloud, an interval locally), or one run to look at now. */
export const reconcileRequestSchema = z.object({ v: z.literal(1), runId: runId.optional() }).strict();
export type ReconcileRequest = z.infer<typeof reconcileRequestSchema>;

/** The topics by role, as `altus up --json` and the infrastructure name them. */
export const TOPIC_ROLES = ['runRequests', 'dispatch', 'completions', 'aggregate', 'runFinished', 'deadLetter', 'reconcile'] as const;
export type TopicRole = (typeof TOPIC_ROLES)[number];

/** Topic ids (short names) by role. */
export const TOPIC_IDS: Record<TopicRole, string> = {
  runRequests: 'altus-run-requests',
  dispatch: 'altus-dispatch',
  completions: 'altus-completions',
  aggregate: 'altus-aggregate',
  runFinished: 'altus-run-finished',
  deadLetter: 'altus-dead-letter',
  reconcile: 'altus-reconcile',
};
