/**
 * Placement: splits a run's shards across worker clusters by weight and capacity.
 * Rule (documented in the README):
 *
 * - the eligible clusters are the available ones, restricted to `placement.clusters`
 *   when given and, for a run that requests GPUs, to those with a GPU pool that can
 *   serve the request, in fleet-configuration order;
 * - a cluster's capacity is the pods it can run at once: the lesser of its
 *   `maxParallelism` and `maxNodes × vcpusPerNode` (one vCPU per pod);
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
import { gpuPoolFor, type GpuRequest } from '../../shared/resources.ts';

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

/** Pods `cluster` can run at once: its Job parallelism cap, or its batch pool's vCPUs at one per pod if fewer. */
export function clusterCapacity(cluster: WorkerCluster): number {
  return Math.min(cluster.maxParallelism, cluster.maxNodes * cluster.vcpusPerNode);
}

/** Splits `shardCount` shards across `clusters` by weight and capacity; clusters given nothing are left out. */
export function placeShards(shardCount: number, clusters: readonly WorkerCluster[]): ClusterSlice[] {
  if (clusters.length === 0) throw new Error('no eligible cluster to place shards on');
  const counts = largestRemainder(shardCount, shares(shardCount, clusters.map(clusterCapacity), clusters.map((c) => c.weight)));
  const slices: ClusterSlice[] = [];
  let offset = 0;
  clusters.forEach((cluster, i) => {
    const count = counts[i]!;
    if (count > 0) slices.push({ cluster, offset, count });
    offset += count;
  });
  return slices;
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
