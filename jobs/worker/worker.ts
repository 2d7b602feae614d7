/**
 * The worker runtime: what a pod runs for one index of an Indexed Job. It reads
 * its shard from the environment, computes it (with a built-in kernel, or by
 * running a custom kernel's command, given as the container's args), stores the
 * result create-only and publishes one completion event. Returns the process
 * exit code (see exit-codes.ts).
 */
import { appendFileSync } from 'node:fs';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { createPubSub, createObjectStore } from '../../shared/clients.ts';
import { isCustomKernel } from '../../shared/custom-kernel.ts';
import { createLogger, type Logger } from '../../shared/log.ts';
import type { CompletionEvent } from '../../shared/messages.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { getKernel } from '../kernels/registry.ts';
import { readRunPlan, type RunPlan } from '../../shared/run-plan.ts';
import { parsePodEnvironment, resolveWorkerEnvironment, WorkerEnvironmentError, type PodEnvironment, type WorkerEnvironment } from './environment.ts';
import { EXIT_BAD_ENVIRONMENT, EXIT_BAD_INPUT, EXIT_OK, EXIT_RETRYABLE } from './exit-codes.ts';
import { computeCustomShard } from './custom-shard.ts';
import { KernelExitError, KernelProtocolError, KernelStartError } from './kernel-process.ts';
import { computeShard, runShard, type ComputedShard } from './run-shard.ts';
import { ShardInputError } from './shard-input.ts';
import { NO_METER, type Meter } from '../../shared/metering.ts';
import { adcToken, awaitCredentials, type CredentialsProbe } from './credentials.ts';
import { EXIT_TERMINATED, ShardTerminatedError, untilTerminated } from './termination.ts';

/** What a pod's worker is given besides its environment: a stop signal (SIGTERM) and how to wait for credentials. */
export interface WorkerOptions {
  /** Fires when the pod is stopping (termination.ts). */
  signal?: AbortSignal;
  /** Waits for Workload Identity on GCS storage (credentials.ts); tests inject theirs. */
  credentials?: Omit<CredentialsProbe, 'token'> & { token?: CredentialsProbe['token'] };
}

/** Clients a worker uses; a warm process reuses them across indexes. */
export interface WorkerClients {
  store: ObjectStore;
  pubsub: PubSub;
  /** The completions topic by name, publishing each message at once. */
  topic(name: string): Topic;
}

/** Caches clients and plans per process (a warm local worker runs many indexes). */
export class WorkerCache {
  private readonly clients = new Map<string, WorkerClients>();
  private readonly plans = new Map<string, RunPlan>();

  /** `meter` is the process's: it counts the completions published (the benchmarks read it). */
  constructor(readonly meter: Meter = NO_METER) {}

  clientsFor(env: Pick<PodEnvironment, 'storage' | 'projectId' | 'pubsubEmulatorHost'>): WorkerClients {
    const key = JSON.stringify([env.storage, env.projectId, env.pubsubEmulatorHost]);
    let clients = this.clients.get(key);
    if (!clients) {
      const pubsub = createPubSub({ projectId: env.projectId, ...(env.pubsubEmulatorHost ? { pubsubEmulatorHost: env.pubsubEmulatorHost } : {}) });
      const topics = new Map<string, Topic>();
      clients = {
        store: createObjectStore(env.storage),
        pubsub,
        // A pod publishes one completion and is done: the client's default batching would hold it 10 ms for company.
        topic: (name) => topics.get(name) ?? topics.set(name, pubsub.topic(name, { batching: { maxMessages: 1, maxMilliseconds: 0 } })).get(name)!,
      };
      this.clients.set(key, clients);
    }
    return clients;
  }

  async plan(uri: string, store: ObjectStore): Promise<RunPlan> {
    let plan = this.plans.get(uri);
    if (!plan) {
      plan = readRunPlan(await store.read(uri), uri);
      if (this.plans.size > 16) this.plans.clear();
      this.plans.set(uri, plan);
    }
    return plan;
  }
}

/** The input is unusable for good: fail the shard, do not retry. */
class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

/** The pod does not fit its run (e.g. the container's command is not the run's): retrying the same pod cannot help. */
class PodMismatchError extends Error {
  override readonly name = 'PodMismatchError';
}

/**
 * Runs one index. `command` is the container's args: a custom kernel's command
 * (the Job passes `kernel.command` there), empty for a built-in kernel. Never
 * throws: every outcome is an exit code.
 */
export async function runWorker(
  rawEnv: Record<string, string | undefined>,
  cache = new WorkerCache(),
  command: readonly string[] = [],
  options: WorkerOptions = {},
): Promise<number> {
  const { signal } = options;
  let env: WorkerEnvironment;
  let clients: WorkerClients;
  try {
    const pod = parsePodEnvironment(rawEnv);
    clients = cache.clientsFor(pod);
    if (pod.storage.kind === 'gcs') {
      // A fresh node's metadata server may not serve the pod's identity yet: wait for it rather than spend a retry.
      await untilTerminated(awaitCredentials({ token: adcToken(), ...options.credentials }), signal);
    }
    env = await untilTerminated(
      resolveWorkerEnvironment(pod, (uri) => clients.store.read(uri)),
      signal,
    );
  } catch (error) {
    if (error instanceof ShardTerminatedError) return EXIT_TERMINATED;
    process.stderr.write(`altus-worker: ${(error as Error).message}\n`);
    return error instanceof WorkerEnvironmentError ? EXIT_BAD_ENVIRONMENT : EXIT_RETRYABLE;
  }
  const log = workerLogger(env);
  const started = process.cpuUsage();
  const startedMilliseconds = performance.now();
  const { store, topic } = clients;
  const publish = (event: Omit<CompletionEvent, 'v' | 'runId' | 'shard' | 'attempt' | 'cluster' | 'cpuSeconds' | 'wallSeconds'>) => {
    const usage = process.cpuUsage(started);
    const full: CompletionEvent = {
      v: 1,
      runId: env.runId,
      shard: env.shard,
      attempt: env.attempt,
      cluster: env.cluster,
      cpuSeconds: (usage.user + usage.system) / 1e6,
      wallSeconds: (performance.now() - startedMilliseconds) / 1000,
      ...event,
    };
    cache.meter.count('pubsubMessages');
    return topic(env.completionsTopic).publishMessage({ json: full });
  };

  try {
    const plan = await cache.plan(env.planUri, store).catch((cause) => {
      throw new Error(`cannot read the run plan ${env.planUri}: ${(cause as Error).message}`, { cause });
    });
    const compute = shardComputation(plan, env, rawEnv, command, store, log, signal);
    log.info('shard started', { shard: env.shard, attempt: env.attempt, indexFailureCount: env.indexFailureCount });
    const outcome = await untilTerminated(runShard({ plan, shard: env.shard, store, compute }), signal).catch((error) => {
      throw error instanceof ShardInputError ? new BadInputError(error.message, { cause: error }) : error;
    });
    await publish({
      status: 'succeeded',
      resultUri: outcome.resultUri,
      partialUri: outcome.partialUri,
      parameters: outcome.parameters,
      parametersFailed: outcome.parametersFailed,
    });
    log.info('shard done', { shard: env.shard, parameters: outcome.parameters, parametersFailed: outcome.parametersFailed, computed: outcome.computed });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ShardTerminatedError) {
      // Not the shard's failure: nothing is published, the Job runs the index again (a disruption is not counted).
      log.warn(error.message, { shard: env.shard });
      return EXIT_TERMINATED;
    }
    const message = (error as Error).message;
    const exitCode = exitCodeOf(error);
    const permanent = exitCode !== EXIT_RETRYABLE;
    // On the last allowed attempt the pod itself reports the shard lost, so the run does not wait for reconcile.
    const lastAttempt = env.indexFailureCount >= env.maxRetries;
    log.error(permanent ? `shard failed, not retried: ${message}` : `shard failed: ${message}`, { shard: env.shard, error: message, exitCode, lastAttempt });
    if (permanent || lastAttempt) {
      try {
        await publish({ status: 'failed', parameters: 0, parametersFailed: 0, error: message.slice(0, 2000) });
      } catch (publishError) {
        log.error('could not publish the failure', { error: (publishError as Error).message });
        return EXIT_RETRYABLE;
      }
    }
    return exitCode;
  }
}

/** How the shard is computed: the built-in kernel in this process, or the custom kernel's command the container was given. */
function shardComputation(
  plan: RunPlan,
  env: WorkerEnvironment,
  rawEnv: Record<string, string | undefined>,
  command: readonly string[],
  store: ObjectStore,
  log: Logger,
  signal: AbortSignal | undefined,
): () => Promise<ComputedShard> {
  const block = plan.manifest.kernel;
  if (isCustomKernel(block)) {
    // The Job carries the command as the container's args, so what the cluster admitted is what runs; it must be the run's.
    if (JSON.stringify(command) !== JSON.stringify(block.command)) {
      throw new PodMismatchError(`the container's args ${JSON.stringify(command)} are not the run's kernel.command ${JSON.stringify(block.command)}`);
    }
    const podEnv = Object.fromEntries(Object.entries(rawEnv).filter((e): e is [string, string] => e[1] !== undefined));
    return () =>
      computeCustomShard({
        plan,
        shard: env.shard,
        store,
        kernel: block,
        env: podEnv,
        log,
        ...(env.kernelWorkdir ? { cwd: env.kernelWorkdir } : {}),
        ...(signal ? { signal } : {}),
      });
  }
  if (command.length > 0)
    throw new PodMismatchError(`the run uses the built-in kernel "${block.name}" but the container was given a command ${JSON.stringify(command)}`);
  const kernel = getKernel(block.name);
  if (!kernel) throw new BadInputError(`kernel "${block.name}" is not in this worker image`);
  return () => computeShard({ plan, shard: env.shard, kernel, store });
}

/**
 * The exit code for a failed shard. Bad input and a kernel that breaks the output
 * protocol fail the index at once (42: the same input gives the same output); a
 * command that cannot start or a pod that does not fit its run is a broken
 * environment (43); a kernel command exiting 42 or 43 says so itself; any other
 * crash (a signal, an exception, running out of memory) may not happen again and
 * is retried within the shard's budget.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof BadInputError || error instanceof KernelProtocolError) return EXIT_BAD_INPUT;
  if (error instanceof KernelStartError || error instanceof PodMismatchError) return EXIT_BAD_ENVIRONMENT;
  if (error instanceof KernelExitError && (error.exitCode === EXIT_BAD_INPUT || error.exitCode === EXIT_BAD_ENVIRONMENT)) return error.exitCode;
  return EXIT_RETRYABLE;
}

function workerLogger(env: WorkerEnvironment): Logger {
  const file = env.logFile;
  return createLogger({
    component: 'worker',
    labels: { runId: env.runId, shard: env.shard, cluster: env.cluster },
    ...(file ? { sink: (line: string) => appendFileSync(file, line + '\n') } : {}),
  });
}
