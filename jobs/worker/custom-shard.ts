/**
 * Computes one shard with a custom kernel: the user's command runs once over the
 * shard's parameter sets (kernel-process.ts), and each output is paired with its
 * parameter set to make the same rows and partial a built-in kernel makes.
 *
 * Nothing the size of the shard is held in memory: the parameter sets are read
 * twice (once to feed the command, once, in step with its answers, to pair them;
 * inline, grid and random sets are recomputed, file shards re-read by byte
 * range). The kernel's NDJSON answers become rows of the run's results format
 * (results/shard-rows.ts): a Parquet part, or NDJSON staged in a local file when large.
 */
import { MAX_OUTPUTS, type CustomKernel } from '../../shared/custom-kernel.ts';
import type { Logger } from '../../shared/log.ts';
import { MetricAccumulator } from '../../shared/stats/partial.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { shardRange, type RunPlan } from '../../shared/run-plan.ts';
import { KernelProtocolError, runKernelProcess, type KernelOutput } from './kernel-process.ts';
import { openShardRows } from './results/shard-rows.ts';
import { shardPartial, type ComputedShard } from './run-shard.ts';
import { shardInputs, type ShardInput } from './shard-input.ts';
import { WORKER_ENV } from './environment.ts';

/** Environment variables the command gets on top of the pod's (jobs/examples/README.md, "The protocol"). */
export const KERNEL_ENV = {
  shard: 'ALTUS_SHARD',
  firstIndex: 'ALTUS_FIRST_INDEX',
  parameterCount: 'ALTUS_PARAMETER_COUNT',
} as const;

/**
 * The worker runtime's own plumbing on the local stack: where the local bucket
 * folder is, the emulators, the pod log file, the folder standing in for the
 * image. A pod on GKE has none of them; a kernel that could read them could
 * write into the buckets behind the runtime's back.
 */
const WORKER_ONLY_ENV: ReadonlySet<string> = new Set([
  WORKER_ENV.storage,
  WORKER_ENV.localStorageDir,
  WORKER_ENV.pubsubEmulatorHost,
  WORKER_ENV.logFile,
  WORKER_ENV.kernelWorkdir,
]);
const WORKER_ONLY_PATTERN = /^(?:ALTUS_METER_|.*_EMULATOR_HOST$)/;

/** The kernel's environment: the pod's, without the worker runtime's local plumbing. */
export function kernelEnvironment(podEnv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(podEnv).filter(([name]) => !WORKER_ONLY_ENV.has(name) && !WORKER_ONLY_PATTERN.test(name)));
}

/** What one custom shard needs. */
export interface CustomShardRequest {
  plan: RunPlan;
  shard: number;
  store: ObjectStore;
  kernel: CustomKernel;
  /** Working directory of the command; the worker's own when absent. */
  cwd?: string;
  /** The pod's environment, passed on to the command without the worker's local plumbing ({@link kernelEnvironment}). */
  env: Record<string, string>;
  log: Logger;
  /** Where the rows file is staged; the system temp folder by default. */
  tempDir?: string;
  /** Aborting ends the command and everything it started (deadline, cancel, SIGTERM). */
  signal?: AbortSignal;
}

/** Runs the command over the shard; a staged rows file is the caller's to upload and remove. */
export async function computeCustomShard(request: CustomShardRequest): Promise<ComputedShard> {
  const { plan, shard, store, kernel } = request;
  const { start, end } = shardRange(plan, shard);
  const rows = openShardRows({ plan, shard, ...(request.tempDir ? { tempDir: request.tempDir } : {}) });
  const accumulate = metricAccumulation(plan);
  let parameters = 0;
  let parametersFailed = 0;

  const writeResult = async (index: number, params: Record<string, unknown>, values: Record<string, unknown>) => {
    parameters++;
    await rows.result(index, params, values);
  };
  const writeFailure = async (index: number, params: Record<string, unknown> | null, error: string) => {
    parameters++;
    parametersFailed++;
    await rows.failure(index, params, error);
  };
  // The second pass over the inputs: unreadable sets were never sent, so they become error rows here, in index order.
  const pairing = shardInputs(plan, shard, store)[Symbol.asyncIterator]();
  const nextSent = async (): Promise<Extract<ShardInput, { params: Record<string, unknown> }> | undefined> => {
    for (;;) {
      const next = await pairing.next();
      if (next.done) return undefined;
      const item = next.value;
      if (item.params !== null) return item;
      await writeFailure(item.index, null, 'error' in item ? item.error : 'unreadable parameter set');
    }
  };
  const onOutput = async (output: KernelOutput, line: number) => {
    const item = await nextSent();
    if (!item) throw new KernelProtocolError(`output line ${line} has no parameter set to answer`);
    if ('error' in output) return writeFailure(item.index, item.params, output.error);
    accumulate.add(output.values, line);
    return writeResult(item.index, item.params, output.values);
  };

  try {
    await runKernelProcess({
      command: kernel.command,
      ...(request.cwd ? { cwd: request.cwd } : {}),
      env: {
        ...kernelEnvironment(request.env),
        [KERNEL_ENV.shard]: String(shard),
        [KERNEL_ENV.firstIndex]: String(start),
        [KERNEL_ENV.parameterCount]: String(end - start),
      },
      // Without kernel.outputs, the lines must carry what aggregate.metrics names (nothing, when metrics are discovered).
      outputs: kernel.outputs ?? plan.metrics,
      otherFields: kernel.outputs === undefined,
      inputs: sentParameters(plan, shard, store),
      onOutput,
      onStderr: (line) => request.log.info(line, { source: 'kernel-stderr' }),
      onWarning: (message) => request.log.warn(message),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    // Every sent set was answered (the protocol checked the count); what is left are unreadable sets.
    if (await nextSent()) throw new KernelProtocolError('the kernel answered fewer parameter sets than it was sent');
    const staged = await rows.close();
    return { ...staged, partial: shardPartial(plan, shard, parameters, parametersFailed, accumulate.accumulators) };
  } catch (error) {
    await rows.discard();
    throw error;
  }
}

/**
 * The shard's statistics: one accumulator per planned metric or, when the plan
 * discovers metrics, per numeric field, created in order of first appearance so
 * the partial lists its metrics in that order (the aggregate's union relies on it).
 */
function metricAccumulation(plan: RunPlan) {
  const accumulators = new Map(plan.metrics.map((m) => [m, new MetricAccumulator()]));
  const add = (values: Record<string, unknown>, line: number) => {
    if (!plan.discoverMetrics) {
      for (const [metric, acc] of accumulators) acc.add(values[metric] as number);
      return;
    }
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== 'number') continue;
      let acc = accumulators.get(name);
      if (!acc) {
        if (accumulators.size === MAX_OUTPUTS) {
          throw new KernelProtocolError(
            `output line ${line}: "${name}" would be numeric field ${MAX_OUTPUTS + 1} of this shard; without kernel.outputs or aggregate.metrics at most ${MAX_OUTPUTS} are aggregated: name the ones you want`,
          );
        }
        acc = new MetricAccumulator();
        accumulators.set(name, acc);
      }
      acc.add(value);
    }
  };
  return { accumulators: accumulators as ReadonlyMap<string, MetricAccumulator>, add };
}

/** The readable parameter sets of the shard, in index order: what goes to the command's stdin. */
async function* sentParameters(plan: RunPlan, shard: number, store: ObjectStore): AsyncGenerator<Record<string, unknown>> {
  for await (const item of shardInputs(plan, shard, store)) if (item.params !== null) yield item.params;
}
