/**
 * Placement: splits a run's shards across worker clusters by weight and capacity.
 * Rule (documented in docs/fleet-and-cost.md, "Placement"):
 *
 * - the eligible clusters are the available ones, restricted to `placement.clusters`
 *   when given and, for a run that requests GPUs, to those with a GPU pool that can
 *   serve the request, in fleet-configuration order;
 * - a cluster's capacity is the pods it can run at once: the lesser of its
 *   `maxParallelism` and what its nodes hold — for a CPU run, `maxNodes` × the pods
 *   of `workerResources.cpu` one node of `vcpusPerNode` fits; for a GPU run, the
 *   serving pool's `maxNodes` × the pods of `count` GPUs one node of
 *   `acceleratorCount` fits;
 * - shares are proportional to weight × capacity, except that no cluster gets more
 *   than its capacity while another still has room (a run the fleet can run at once
 *   runs at once), nor less than its capacity while the run is bigger than the whole
 *   fleet (every cluster is kept full; the rest queue where the weights say);
 * - each cluster gets one contiguous slice; counts are rounded by largest remainder,
 *   ties to the earlier cluster.
 *
 * Equal clusters get equal shares, so with equal capacities this is a split by
 * weight. Deterministic: the same inputs give the same slices.
 */
import type { FleetConfig, WorkerCluster } from '../../shared/fleet-config.ts';
import { cpuQuantityVcpus, gpuPoolFor, type GpuRequest } from '../../shared/resources.ts';

/** One cluster's contiguous slice of shards. */
export interface ClusterSlice {
  cluster: WorkerCluster;
  offset: number;
  count: number;
}

/** The clusters a run may use: available, named by `restrictTo` if given, with a pool for `gpu` if given. */
export function eligibleClusters(fleet: FleetConfig, restrictTo?: readonly string[], gpu?: GpuRequest): WorkerCluster[] {
  return fleet.clusters.filter((c) => c.available && (!restrictTo || restrictTo.includes(c.name)) && (!gpu || gpuPoolFor(c, gpu) !== undefined));
}

/** What one pod of a run takes from a node: the fleet's CPU request, and the run's GPUs if it asks for any. */
export interface PodRequest {
  vcpus: number;
  gpu?: GpuRequest;
}

/** One vCPU and no GPU: the default `workerResources`. */
export const ONE_VCPU_POD: PodRequest = { vcpus: 1 };

/** The pod shape of a run on `fleet`: `workerResources.cpu`, and `gpu` when the run requests GPUs. */
export function podRequest(fleet: FleetConfig, gpu?: GpuRequest): PodRequest {
  return { vcpus: cpuQuantityVcpus(fleet.workerResources.cpu), ...(gpu ? { gpu } : {}) };
}

/**
 * Pods of shape `pod` that `cluster` can run at once: its Job parallelism cap, or
 * what its nodes hold if fewer (the batch pool's for a CPU pod, the serving GPU
 * pool's for a GPU pod; 0 when the cluster has no pool for it).
 */
export function clusterCapacity(cluster: WorkerCluster, pod: PodRequest = ONE_VCPU_POD): number {
  if (pod.gpu) {
    const pool = gpuPoolFor(cluster, pod.gpu);
    if (!pool) return 0;
    return Math.min(cluster.maxParallelism, pool.maxNodes * Math.floor(pool.acceleratorCount / pod.gpu.count));
  }
  return Math.min(cluster.maxParallelism, cluster.maxNodes * Math.floor(cluster.vcpusPerNode / pod.vcpus + 1e-9));
}

/** Splits `shardCount` shards of pods shaped `pod` across `clusters` by weight and capacity; clusters given nothing are left out. */
export function placeShards(shardCount: number, clusters: readonly WorkerCluster[], pod: PodRequest = ONE_VCPU_POD): ClusterSlice[] {
  if (clusters.length === 0) throw new Error('no eligible cluster to place shards on');
  const capacities = clusters.map((c) => clusterCapacity(c, pod));
  const unfit = clusters.filter((_, i) => capacities[i] === 0).map((c) => c.name);
  if (unfit.length) throw new Error(`no node of ${unfit.join(', ')} can hold one pod of this run (${describePod(pod)})`);
  const counts = largestRemainder(
    shardCount,
    shares(
      shardCount,
      capacities,
      clusters.map((c) => c.weight),
    ),
  );
  const slices: ClusterSlice[] = [];
  let offset = 0;
  clusters.forEach((cluster, i) => {
    const count = counts[i]!;
    if (count > 0) slices.push({ cluster, offset, count });
    offset += count;
  });
  return slices;
}

function describePod(pod: PodRequest): string {
  return pod.gpu ? `${pod.gpu.count} × ${pod.gpu.type}` : `${pod.vcpus} vCPU`;
}

/**
 * Real-valued shares summing to `total`: λ × weight × capacity, each held to its
 * capacity from above when the total fits the fleet, from below when it does not
 * (water-filling: a cluster that crosses its capacity is fixed there and λ is
 * solved again over the others).
 */
function shares(total: number, capacities: readonly number[], weights: readonly number[]): number[] {
  const fits = total <= capacities.reduce((a, b) => a + b, 0);
  const out = capacities.map(() => 0);
  const open = new Set(capacities.keys());
  let left = total;
  for (;;) {
    const mass = [...open].reduce((sum, i) => sum + weights[i]! * capacities[i]!, 0);
    const lambda = left / mass;
    const crossing = [...open].filter((i) => (fits ? lambda * weights[i]! > 1 : lambda * weights[i]! < 1));
    if (crossing.length === 0) {
      for (const i of open) out[i] = lambda * weights[i]! * capacities[i]!;
      return out;
    }
    for (const i of crossing) {
      out[i] = capacities[i]!;
      left -= capacities[i]!;
      open.delete(i);
    }
    if (open.size === 0) return out;
  }
}

/** Whole counts summing to `total`: floors, then one more to the largest fractions, ties to the earlier index. */
function largestRemainder(total: number, exact: readonly number[]): number[] {
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i]! += 1;
    left -= 1;
  }
  return counts;
}
