/**
 * Placement: splits a run's shards across worker clusters. Rule (documented in
 * the README): the eligible clusters are the available ones, restricted to
 * `placement.clusters` when given and, for a run that requests GPUs, to those
 * with a GPU pool that can serve the request, in fleet-configuration order; each gets a
 * contiguous slice proportional to its weight (largest remainder, ties to the
 * earlier cluster). Deterministic: the same inputs give the same slices.
 */
import type { FleetConfig, WorkerCluster } from '../../shared/fleet-config.ts';
import { gpuPoolFor, type GpuRequest } from '../../shared/resources.ts';

/** One cluster's contiguous slice of shards. */
export interface ClusterSlice {
  cluster: WorkerCluster;
  offset: number;
  count: number;
}

/**
 * The clusters a run may use: available, named by `restrictTo` if given, with a
 * pool for `gpu` if given. `gpu` is the run's effective request: the validated
 * manifest's `resources.gpu`, which includes the kernel's (validate.ts).
 */
export function eligibleClusters(fleet: FleetConfig, restrictTo?: readonly string[], gpu?: GpuRequest): WorkerCluster[] {
  return fleet.clusters.filter((c) => c.available && (!restrictTo || restrictTo.includes(c.name)) && (!gpu || gpuPoolFor(c, gpu) !== undefined));
}

/** Splits `shardCount` shards across `clusters` by weight; clusters given nothing are left out. */
export function placeShards(shardCount: number, clusters: readonly WorkerCluster[]): ClusterSlice[] {
  if (clusters.length === 0) throw new Error('no eligible cluster to place shards on');
  const total = clusters.reduce((sum, c) => sum + c.weight, 0);
  const exact = clusters.map((c) => (shardCount * c.weight) / total);
  const counts = exact.map(Math.floor);
  let left = shardCount - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    counts[i]! += 1;
    left -= 1;
  }
  const slices: ClusterSlice[] = [];
  let offset = 0;
  clusters.forEach((cluster, i) => {
    const count = counts[i]!;
    if (count > 0) slices.push({ cluster, offset, count });
    offset += count;
  });
  return slices;
}
