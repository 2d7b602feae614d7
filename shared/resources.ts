/**
 * What a run's pods need beyond the fleet's default worker resources: today,
 * GPUs (`resources.gpu` in the manifest, `kernel.resources.gpu` of a custom
 * kernel, or a built-in kernel's registered `resources`; where both the kernel
 * and the manifest say, they must agree). A GPU run is placed only on clusters
 * with a GPU pool of the requested accelerator type and enough accelerators per
 * node, and its Job asks for them on that pool. The pool a cluster uses for a
 * request is a pure function of the configuration ({@link gpuPoolFor}), so
 * placement, the Job builder and the cost estimate all agree on it.
 */
import { z } from 'zod';
import { ACCELERATOR_TYPES, type GpuPool, type WorkerCluster } from './fleet-config.ts';

/** `resources.gpu`: the accelerator type (a GKE accelerator name) and how many one pod gets. */
export const gpuRequestSchema = z
  .object({
    type: z.enum(ACCELERATOR_TYPES),
    count: z.number().int().min(1).max(16),
  })
  .strict();
/** A pod's GPU request. */
export type GpuRequest = z.infer<typeof gpuRequestSchema>;

/** `resources` in the manifest, in a custom kernel block, or in a built-in kernel's registration. */
export const resourcesSchema = z.object({ gpu: gpuRequestSchema.optional() }).strict();
/** What a run's pods, or any run of a kernel, need beyond the fleet's default worker resources. */
export type Resources = z.infer<typeof resourcesSchema>;

/** Whether two GPU requests are the same: same accelerator type, same count. */
export function sameGpuRequest(a: GpuRequest, b: GpuRequest): boolean {
  return a.type === b.type && a.count === b.count;
}

/**
 * The rule when a kernel and a manifest both speak: they must agree. The run's
 * GPU request is the one given, by either or both; `conflict` when both give one
 * and they differ (validation rejects that manifest, so nothing later sees it).
 */
export function agreedGpuRequest(kernel: GpuRequest | undefined, manifest: GpuRequest | undefined): GpuRequest | undefined | 'conflict' {
  if (kernel && manifest && !sameGpuRequest(kernel, manifest)) return 'conflict';
  return manifest ?? kernel;
}

/** "1 × nvidia-h100-80gb": a GPU request as messages write it. */
export function describeGpuRequest(gpu: GpuRequest): string {
  return `${gpu.count} × ${gpu.type}`;
}

/** The Kubernetes extended resource of NVIDIA GPUs (the device plugin GKE installs). */
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** The node label GKE sets on GPU nodes to their accelerator type. */
export const ACCELERATOR_LABEL = 'cloud.google.com/gke-accelerator';
/** The node label `infra/` sets on every node to its pool's name (`altus.dev/pool`). */
export const POOL_LABEL = 'altus.dev/pool';
/** The node pool of every worker cluster where CPU shards run (`infra/` creates it; the system pool hosts everything else). */
export const BATCH_POOL = 'batch';
/** The taint GKE puts on every GPU node: only pods that tolerate it land there. */
export const GPU_TAINT = { key: GPU_RESOURCE, value: 'present', effect: 'NoSchedule' } as const;

/**
 * The GPU pool of `cluster` that serves `gpu`: the first pool, in configuration
 * order, of that accelerator type with at least `count` accelerators per node
 * (a pod cannot span nodes). Undefined when the cluster has none.
 */
export function gpuPoolFor(cluster: WorkerCluster, gpu: GpuRequest): GpuPool | undefined {
  return cluster.gpuPools.find((p) => p.acceleratorType === gpu.type && p.acceleratorCount >= gpu.count);
}

/** Accelerator types of `clusters`' GPU pools, each once, as "type (up to N per node)". */
export function describeGpuTypes(clusters: readonly WorkerCluster[]): string[] {
  const most = new Map<string, number>();
  for (const pool of clusters.flatMap((c) => c.gpuPools)) most.set(pool.acceleratorType, Math.max(most.get(pool.acceleratorType) ?? 0, pool.acceleratorCount));
  return [...most].map(([type, count]) => `${type} (up to ${count} per pod)`);
}

export { cpuQuantityVcpus } from './fleet-config.ts';
