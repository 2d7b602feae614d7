/**
 * The worker's environment contract: what an Indexed Job gives a pod
 * (`JOB_COMPLETION_INDEX`) plus the `ALTUS_*` variables the Job builder sets.
 * Parsed once, from an env object passed in, into a typed value.
 */
import { z } from 'zod';
import { parseShardList } from '../../shared/shard-list.ts';

/** Environment variable names, documented in docs/worker-contract.md. */
export const WORKER_ENV = {
  completionIndex: 'JOB_COMPLETION_INDEX',
  runId: 'ALTUS_RUN_ID',
  attempt: 'ALTUS_ATTEMPT',
  cluster: 'ALTUS_CLUSTER',
  planUri: 'ALTUS_PLAN_URI',
  shardOffset: 'ALTUS_SHARD_OFFSET',
  /** Jobs dispatched before the shard list moved to the bucket carry it inline; still read. */
  shardList: 'ALTUS_SHARD_LIST',
  /** A re-dispatch's shard list, as an object in the results bucket (the `ALTUS_SHARD_LIST` format). */
  shardListUri: 'ALTUS_SHARD_LIST_URI',
  completionsTopic: 'ALTUS_COMPLETIONS_TOPIC',
  projectId: 'ALTUS_PROJECT_ID',
  maxRetries: 'ALTUS_MAX_RETRIES',
  indexFailureCount: 'ALTUS_INDEX_FAILURE_COUNT',
  storage: 'ALTUS_STORAGE',
  localStorageDir: 'ALTUS_LOCAL_STORAGE_DIR',
  pubsubEmulatorHost: 'PUBSUB_EMULATOR_HOST',
  logFile: 'ALTUS_LOG_FILE',
  kernelWorkdir: 'ALTUS_KERNEL_WORKDIR',
} as const;

const intString = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .regex(/^\d+$/, `${name} must be a non-negative integer`)
    .transform(Number);

const schema = z
  .object({
    [WORKER_ENV.completionIndex]: intString(WORKER_ENV.completionIndex),
    [WORKER_ENV.runId]: z.string({ error: `${WORKER_ENV.runId} is required` }).min(1),
    [WORKER_ENV.attempt]: intString(WORKER_ENV.attempt).default(0),
    [WORKER_ENV.cluster]: z.string().min(1).default('local'),
    [WORKER_ENV.planUri]: z.string({ error: `${WORKER_ENV.planUri} is required` }).startsWith('gs://'),
    [WORKER_ENV.shardOffset]: intString(WORKER_ENV.shardOffset).optional(),
    [WORKER_ENV.shardList]: z
      .string()
      .transform((s, ctx) => {
        try {
          return parseShardList(s);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: `${WORKER_ENV.shardList} must be shard numbers and ranges a-b, comma-separated: ${(error as Error).message}`,
          });
          return z.NEVER;
        }
      })
      .optional(),
    [WORKER_ENV.shardListUri]: z.string().startsWith('gs://', `${WORKER_ENV.shardListUri} must be a gs:// URI`).optional(),
    [WORKER_ENV.completionsTopic]: z.string({ error: `${WORKER_ENV.completionsTopic} is required` }).min(1),
    [WORKER_ENV.projectId]: z.string({ error: `${WORKER_ENV.projectId} is required` }).min(1),
    [WORKER_ENV.maxRetries]: intString(WORKER_ENV.maxRetries).default(3),
    [WORKER_ENV.indexFailureCount]: z
      .string()
      .optional()
      .transform((s) => (s && /^\d+$/.test(s) ? Number(s) : 0)),
    [WORKER_ENV.storage]: z.enum(['gcs', 'local']).default('gcs'),
    [WORKER_ENV.localStorageDir]: z.string().optional(),
    [WORKER_ENV.pubsubEmulatorHost]: z.string().optional(),
    [WORKER_ENV.logFile]: z.string().optional(),
    [WORKER_ENV.kernelWorkdir]: z.string().startsWith('/', `${WORKER_ENV.kernelWorkdir} must be an absolute path`).optional(),
  })
  .superRefine((env, ctx) => {
    const mappings = [WORKER_ENV.shardOffset, WORKER_ENV.shardList, WORKER_ENV.shardListUri].filter((k) => env[k] !== undefined);
    if (mappings.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `set exactly one of ${WORKER_ENV.shardOffset}, ${WORKER_ENV.shardList} and ${WORKER_ENV.shardListUri}` });
    }
    if (env[WORKER_ENV.storage] === 'local' && !env[WORKER_ENV.localStorageDir]) {
      ctx.addIssue({ code: 'custom', message: `${WORKER_ENV.localStorageDir} is required when ${WORKER_ENV.storage}=local` });
    }
  });

/** The parsed worker environment. */
export interface WorkerEnvironment {
  completionIndex: number;
  /** The global shard this pod computes. */
  shard: number;
  runId: string;
  attempt: number;
  cluster: string;
  planUri: string;
  completionsTopic: string;
  projectId: string;
  maxRetries: number;
  /** How many times this index already failed (downward API annotation). */
  indexFailureCount: number;
  storage: { kind: 'gcs' } | { kind: 'local'; root: string };
  pubsubEmulatorHost?: string;
  logFile?: string;
  /**
   * Where a custom kernel's command runs. Unset in a pod (the image's WORKDIR, the
   * worker's own); the local fleet sets it to the folder standing in for the image.
   */
  kernelWorkdir?: string;
}

/** The pod environment is unusable; the message lists every problem. */
export class WorkerEnvironmentError extends Error {
  override readonly name = 'WorkerEnvironmentError';
}

/** The pod's environment before its shard is known: a shard list in the bucket is read first ({@link resolveWorkerEnvironment}). */
export type PodEnvironment = Omit<WorkerEnvironment, 'shard'> & ({ shard: number } | { shard?: undefined; shardListUri: string });

/** Parses the pod's environment; throws {@link WorkerEnvironmentError}. The shard is known unless the list is in the bucket. */
export function parsePodEnvironment(env: Record<string, string | undefined>): PodEnvironment {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new WorkerEnvironmentError(`invalid worker environment: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  const uri = result.data[WORKER_ENV.shardListUri];
  if (uri === undefined) return parseWorkerEnvironment(env);
  const { shard: _, ...rest } = parseWorkerEnvironment({ ...env, [WORKER_ENV.shardListUri]: undefined, [WORKER_ENV.shardOffset]: '0' });
  return { ...rest, shardListUri: uri };
}

/** The pod's shard: from the environment, or from the shard list object it names (read with `read`). */
export async function resolveWorkerEnvironment(pod: PodEnvironment, read: (uri: string) => Promise<Buffer>): Promise<WorkerEnvironment> {
  if (pod.shard !== undefined) return pod;
  const { shardListUri, ...rest } = pod;
  const text = (await read(shardListUri)).toString('utf8').trim();
  let list: ReturnType<typeof parseShardList>;
  try {
    list = parseShardList(text);
  } catch (error) {
    throw new WorkerEnvironmentError(`${shardListUri} is not a shard list: ${(error as Error).message}`, { cause: error });
  }
  const shard = list.at(pod.completionIndex);
  if (shard === undefined)
    throw new WorkerEnvironmentError(`${WORKER_ENV.completionIndex}=${pod.completionIndex} is outside the shard list ${shardListUri} (${list.length} shards)`);
  return { ...rest, shard };
}

/** Parses the pod's environment when it carries its shard mapping itself; throws {@link WorkerEnvironmentError}. */
export function parseWorkerEnvironment(env: Record<string, string | undefined>): WorkerEnvironment {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new WorkerEnvironmentError(`invalid worker environment: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  const e = result.data;
  if (e[WORKER_ENV.shardListUri] !== undefined) {
    throw new WorkerEnvironmentError(
      `${WORKER_ENV.shardListUri} names the shard list object: the shard is known once it is read (parsePodEnvironment, resolveWorkerEnvironment)`,
    );
  }
  const index = e[WORKER_ENV.completionIndex];
  const list = e[WORKER_ENV.shardList];
  let shard: number;
  if (list) {
    const listed = list.at(index);
    if (listed === undefined) {
      throw new WorkerEnvironmentError(`${WORKER_ENV.completionIndex}=${index} is outside ${WORKER_ENV.shardList} (${list.length} shards)`);
    }
    shard = listed;
  } else {
    shard = e[WORKER_ENV.shardOffset]! + index;
  }
  return {
    completionIndex: index,
    shard,
    runId: e[WORKER_ENV.runId],
    attempt: e[WORKER_ENV.attempt],
    cluster: e[WORKER_ENV.cluster],
    planUri: e[WORKER_ENV.planUri],
    completionsTopic: e[WORKER_ENV.completionsTopic],
    projectId: e[WORKER_ENV.projectId],
    maxRetries: e[WORKER_ENV.maxRetries],
    indexFailureCount: e[WORKER_ENV.indexFailureCount],
    storage: e[WORKER_ENV.storage] === 'local' ? { kind: 'local', root: e[WORKER_ENV.localStorageDir]! } : { kind: 'gcs' },
    ...(e[WORKER_ENV.pubsubEmulatorHost] ? { pubsubEmulatorHost: e[WORKER_ENV.pubsubEmulatorHost] } : {}),
    ...(e[WORKER_ENV.logFile] ? { logFile: e[WORKER_ENV.logFile] } : {}),
    ...(e[WORKER_ENV.kernelWorkdir] ? { kernelWorkdir: e[WORKER_ENV.kernelWorkdir] } : {}),
  };
}
