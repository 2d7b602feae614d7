/**
 * The Job builder (pure): one Kubernetes Indexed Job per (run, cluster, attempt).
 * Every field here is one the batch/v1 API knows; the tests validate the output
 * against the official schema and the API server's own rules.
 */
import type { V1EnvVar, V1Job, V1PodSpec, V1Toleration } from '@kubernetes/client-node';
import type { CustomKernel } from '../../shared/custom-kernel.ts';
import type { FleetConfig, WorkerCluster } from '../../shared/fleet-config.ts';
import { jobName } from '../../shared/ids.ts';
// The Job name belongs with the other ids; it is re-exported here, where Jobs are built.
export { jobName, MAX_JOB_NAME } from '../../shared/ids.ts';
import type { ShardSelection } from '../../shared/messages.ts';
import {
  ACCELERATOR_LABEL,
  agreedGpuRequest,
  BATCH_POOL,
  describeGpuRequest,
  GPU_RESOURCE,
  GPU_TAINT,
  gpuPoolFor,
  POOL_LABEL,
  type GpuRequest,
} from '../../shared/resources.ts';
import { WORKER_ENV } from '../worker/environment.ts';
import { EXIT_BAD_ENVIRONMENT, EXIT_BAD_INPUT } from '../worker/exit-codes.ts';
import { parseObjectUri } from '../../shared/storage/object-store.ts';
import { runObjects } from '../../shared/run-plan.ts';
import { CONTAINER_SECURITY_CONTEXT, ephemeralStorage, POD_SECURITY_CONTEXT, SAFE_TO_EVICT_ANNOTATION, SCRATCH, scratchVolume } from './pod-hardening.ts';

/** Labels tying every Job and pod to its run. */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  runId: 'altus.dev/run-id',
  cluster: 'altus.dev/cluster',
  attempt: 'altus.dev/attempt',
} as const;

/** The worker container's name (the pod failure policy refers to it). */
export const WORKER_CONTAINER = 'worker';
/**
 * The worker runtime's V8 old-space cap. Its live heap does not grow with the shard
 * (rows are staged in a file, inputs streamed): a 100,000-row shard runs in a 96 MB
 * heap. Without a cap V8 lets garbage pile up to ~350 MB before a full collection,
 * which a pod's memory limit would count. Kernel buffers (typed arrays) live outside
 * this heap, and a custom kernel's command is a process of its own.
 */
export const WORKER_HEAP_MEGABYTES = 128;

/**
 * The worker runtime's entrypoint in the worker image (jobs/Dockerfile), by absolute
 * path. A custom kernel's Job sets it as the container's command, whatever
 * ENTRYPOINT the custom image declares, and passes `kernel.command` as the args.
 */
export const WORKER_ENTRYPOINT: readonly string[] = ['node', `--max-old-space-size=${WORKER_HEAP_MEGABYTES}`, '/opt/altus/jobs/worker/entrypoint.mjs'];
/** Seconds a pod gets to stop: GKE gives ordinary pods the first 15 s of a Spot VM's 30 s notice. */
export const TERMINATION_GRACE_SECONDS = 15;
/**
 * A finished Job is kept this long beyond its own deadline before it is
 * garbage-collected, so its TTL outlives the run's deadline plus reconcile's
 * grace (at most {@link MAX_RECONCILE_GRACE_SECONDS}, twice for a missing Job):
 * reconcile never takes a collected Job for a lost one.
 */
export const TTL_MARGIN_SECONDS = 3600;
/** The longest completion grace the runtime configuration accepts (ALTUS_RECONCILE_GRACE_SECONDS). */
export const MAX_RECONCILE_GRACE_SECONDS = 1200;

/** A Job's ttlSecondsAfterFinished: its deadline plus the margin (results live in the bucket, not in the Job). */
export function ttlAfterFinishedSeconds(deadlineSeconds: number): number {
  return deadlineSeconds + TTL_MARGIN_SECONDS;
}
/** GKE labels Spot nodes with it; Altus taints its Spot batch pools with it (infra/). */
export const SPOT_LABEL = 'cloud.google.com/gke-spot';

/** What the builder needs to know about one dispatch. */
export interface JobRequest {
  fleet: FleetConfig;
  cluster: WorkerCluster;
  runId: string;
  attempt: number;
  shards: ShardSelection;
  planUri: string;
  projectId: string;
  /** Full name of the completions topic, `projects/P/topics/T`. */
  completionsTopic: string;
  retriesPerShard: number;
  deadlineSeconds: number;
  /** Parameter sets per shard (the plan's shardSize): sizes the pod's scratch space and ephemeral storage. */
  rowsPerShard: number;
  /** The run's custom kernel (image and command), absent for a built-in kernel. */
  customKernel?: CustomKernel;
  /**
   * The run's GPU request (the validated manifest's `resources.gpu`, the kernel's
   * included): the pods run on the cluster's GPU pool for it and ask for the GPUs.
   * A custom kernel's own `resources.gpu` applies when this is absent.
   */
  gpu?: GpuRequest;
}

/** The GPU request the Job carries: the run's, else the custom kernel's; they must agree (validation made sure). */
export function jobGpuRequest(request: Pick<JobRequest, 'gpu' | 'customKernel'>): GpuRequest | undefined {
  const kernelGpu = request.customKernel?.resources?.gpu;
  const gpu = agreedGpuRequest(kernelGpu, request.gpu);
  if (gpu === 'conflict') {
    throw new Error(
      `the run asks for ${describeGpuRequest(request.gpu!)} but its custom kernel for ${describeGpuRequest(kernelGpu!)} (validation should have rejected it)`,
    );
  }
  return gpu;
}

/**
 * Where the pods may run: a CPU run on the cluster's batch pool, selected by pool
 * name on every cluster, on-demand ones too, so no shard lands on the system pool
 * (Spot selector and toleration when the cluster is Spot); a GPU run on the GPU pool that serves the
 * request, selected by accelerator and pool name, tolerating GKE's GPU taint and,
 * when that pool is Spot, the Spot taint.
 */
export function podPlacement(cluster: WorkerCluster, gpu?: GpuRequest): Pick<V1PodSpec, 'nodeSelector' | 'tolerations'> {
  const pool = gpu ? gpuPoolFor(cluster, gpu) : undefined;
  if (gpu && !pool) throw new Error(`cluster ${cluster.name} has no GPU pool with ${gpu.count} × ${gpu.type} per node (placement should not have chosen it)`);
  const spot = pool ? pool.spot : cluster.spot;
  const nodeSelector: Record<string, string> = {
    ...(pool ? { [ACCELERATOR_LABEL]: pool.acceleratorType, [POOL_LABEL]: pool.name } : { [POOL_LABEL]: BATCH_POOL }),
    ...(spot ? { [SPOT_LABEL]: 'true' } : {}),
  };
  const tolerations: V1Toleration[] = [
    ...(pool ? [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }] : []),
    ...(spot ? [{ key: SPOT_LABEL, operator: 'Equal', value: 'true', effect: 'NoSchedule' }] : []),
  ];
  return { nodeSelector, ...(tolerations.length ? { tolerations } : {}) };
}

/** Number of Job indexes a selection covers. */
export function selectionSize(shards: ShardSelection): number {
  return 'list' in shards ? shards.list.length : shards.count;
}

/** Builds the Indexed Job for one (run, cluster, attempt). */
export function buildJob(request: JobRequest): V1Job {
  const { fleet, cluster, runId, attempt, shards } = request;
  const gpu = jobGpuRequest(request);
  const completions = selectionSize(shards);
  const name = jobName(runId, cluster.name, attempt);
  const labels = {
    [LABELS.name]: 'altus-worker',
    [LABELS.managedBy]: 'altus',
    [LABELS.runId]: runId,
    [LABELS.cluster]: cluster.name,
    [LABELS.attempt]: String(attempt),
  };
  const env: V1EnvVar[] = [
    { name: WORKER_ENV.runId, value: runId },
    { name: WORKER_ENV.attempt, value: String(attempt) },
    { name: WORKER_ENV.cluster, value: cluster.name },
    { name: WORKER_ENV.planUri, value: request.planUri },
    // A re-dispatch's list lives in the results bucket (dispatch writes it first): a long list in every pod's environment would not fit.
    'list' in shards
      ? { name: WORKER_ENV.shardListUri, value: shardListUri(request.planUri, runId, name) }
      : { name: WORKER_ENV.shardOffset, value: String(shards.offset) },
    { name: WORKER_ENV.completionsTopic, value: request.completionsTopic },
    { name: WORKER_ENV.projectId, value: request.projectId },
    // The root file system is read-only: rows are staged on the scratch volume.
    { name: 'TMPDIR', value: SCRATCH.path },
    { name: WORKER_ENV.maxRetries, value: String(request.retriesPerShard) },
    {
      name: WORKER_ENV.indexFailureCount,
      valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-index-failure-count']" } },
    },
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: fleet.namespace, labels },
    spec: {
      completionMode: 'Indexed',
      completions,
      parallelism: Math.min(completions, cluster.maxParallelism),
      backoffLimitPerIndex: request.retriesPerShard,
      maxFailedIndexes: completions,
      podReplacementPolicy: 'Failed',
      podFailurePolicy: {
        rules: [
          // Spot reclaim, eviction, preemption: not the shard's fault, not counted against its retries.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          // Bad input or a broken pod environment: retrying the same index cannot help.
          { action: 'FailIndex', onExitCodes: { containerName: WORKER_CONTAINER, operator: 'In', values: [EXIT_BAD_INPUT, EXIT_BAD_ENVIRONMENT] } },
        ],
      },
      activeDeadlineSeconds: request.deadlineSeconds,
      ttlSecondsAfterFinished: ttlAfterFinishedSeconds(request.deadlineSeconds),
      template: {
        metadata: { labels, annotations: { [SAFE_TO_EVICT_ANNOTATION]: 'false' } },
        spec: {
          restartPolicy: 'Never',
          securityContext: POD_SECURITY_CONTEXT,
          volumes: [scratchVolume(request.rowsPerShard)],
          serviceAccountName: fleet.workerServiceAccount.kubernetes,
          priorityClassName: fleet.priorityClass,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          ...podPlacement(cluster, gpu),
          containers: [
            {
              name: WORKER_CONTAINER,
              ...(request.customKernel
                ? { image: request.customKernel.image, command: [...WORKER_ENTRYPOINT], args: [...request.customKernel.command] }
                : { image: fleet.workerImage }),
              env,
              securityContext: CONTAINER_SECURITY_CONTEXT,
              volumeMounts: [{ name: SCRATCH.volume, mountPath: SCRATCH.path }],
              resources: {
                // An extended resource such as nvidia.com/gpu cannot be overcommitted: requests equal limits.
                requests: { ...podResources(request), ...gpuQuantity(gpu) },
                limits: { ...podResources(request), ...gpuQuantity(gpu) },
              },
            },
          ],
        },
      },
    },
  };
}

/** Where the shard list of Job `job` is kept: beside the run's plan, in the results bucket. */
export function shardListUri(planUri: string, runId: string, job: string): string {
  return runObjects.shardList(parseObjectUri(planUri).bucket, runId, job);
}

/** CPU and memory of the fleet's workers, and ephemeral storage sized from the shard. */
function podResources(request: JobRequest): Record<string, string> {
  const { cpu, memory } = request.fleet.workerResources;
  return { cpu, memory, 'ephemeral-storage': ephemeralStorage(request.rowsPerShard) };
}

function gpuQuantity(gpu: GpuRequest | undefined): Record<string, string> {
  return gpu ? { [GPU_RESOURCE]: String(gpu.count) } : {};
}
