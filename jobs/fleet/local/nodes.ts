/**
 * The Node objects of a local worker cluster (pure): a few nodes per pool of the
 * fleet configuration, labelled and tainted as GKE labels and taints them, with
 * allocatable CPU, memory and GPUs scaled so that the pods that fit at once are
 * what this machine can run at once. The real scheduler places pods on them the
 * way it would on GKE; a pod that does not fit waits Pending.
 */
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import type { FleetConfig, WorkerCluster } from '../../../shared/fleet-config.ts';
import { ACCELERATOR_LABEL, GPU_RESOURCE, GPU_TAINT, POOL_LABEL } from '../../../shared/resources.ts';
import { multiplyQuantity } from '../bootstrap.ts';
import { SPOT_LABEL } from '../job-builder.ts';

/** GKE's own node-pool label. */
export const GKE_NODEPOOL_LABEL = 'cloud.google.com/gke-nodepool';
/** Labels every local node carries naming the cluster it stands for. */
export const LOCAL_CLUSTER_LABEL = 'altus.dev/local-cluster';
/** Most nodes a pool gets locally, whatever its `maxNodes`. */
export const NODES_PER_POOL = 2;

/** What the node agent needs to know of a node besides the object. */
export interface LocalNode {
  cluster: string;
  pool: string;
  spot: boolean;
  node: V1Node;
}

/**
 * The nodes of `cluster`: the `system` pool (one on-demand node, untainted, as infra
 * builds it), the `batch` pool and each GPU pool. `podsAtOnce` is how many worker pods
 * this machine runs at once for the cluster; the batch pool holds that many pods of
 * the configured `workerResources`, each GPU pool that many GPUs.
 */
export function localNodes(fleet: FleetConfig, cluster: WorkerCluster, podsAtOnce: number): LocalNode[] {
  if (!Number.isInteger(podsAtOnce) || podsAtOnce < 1) throw new Error(`pods at once must be a positive integer (got ${podsAtOnce})`);
  const { cpu, memory } = fleet.workerResources;
  const nodes: LocalNode[] = [];
  const add = (
    pool: string,
    index: number,
    spot: boolean,
    slots: number,
    extra: { labels?: Record<string, string>; taints?: V1Taint[]; gpus?: number; ephemeral: string },
  ) => {
    const name = `${cluster.name}-${pool}-${index}`;
    const capacity: Record<string, string> = {
      cpu: multiplyQuantity(cpu, slots),
      memory: multiplyQuantity(memory, slots),
      pods: '110',
      'ephemeral-storage': extra.ephemeral,
      ...(extra.gpus ? { [GPU_RESOURCE]: String(extra.gpus) } : {}),
    };
    const taints = [...(spot && pool !== 'system' ? [{ key: SPOT_LABEL, value: 'true', effect: 'NoSchedule' }] : []), ...(extra.taints ?? [])];
    nodes.push({
      cluster: cluster.name,
      pool,
      spot,
      node: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'topology.kubernetes.io/region': cluster.region,
            'topology.kubernetes.io/zone': `${cluster.region}-${'abc'[index % 3]}`,
            [GKE_NODEPOOL_LABEL]: pool,
            [POOL_LABEL]: pool,
            [LOCAL_CLUSTER_LABEL]: cluster.name,
            ...(spot ? { [SPOT_LABEL]: 'true', 'cloud.google.com/gke-provisioning': 'spot' } : {}),
            ...extra.labels,
          },
        },
        spec: taints.length ? { taints } : {},
        status: { capacity, allocatable: capacity },
      },
    });
  };
  add('system', 0, false, 1, { ephemeral: '10Gi' });
  const batchNodes = Math.min(NODES_PER_POOL, podsAtOnce, cluster.maxNodes);
  for (let i = 0; i < batchNodes; i++) {
    add('batch', i, cluster.spot, slotsOn(i, batchNodes, podsAtOnce), { ephemeral: '40Gi' });
  }
  for (const pool of cluster.gpuPools) {
    // A GPU pod asks for whole accelerators: the pool holds podsAtOnce of them, in nodes of acceleratorCount.
    const gpuNodes = Math.min(NODES_PER_POOL, pool.maxNodes, Math.max(1, Math.ceil(podsAtOnce / pool.acceleratorCount)));
    for (let i = 0; i < gpuNodes; i++) {
      add(pool.name, i, pool.spot, pool.acceleratorCount, {
        labels: { [ACCELERATOR_LABEL]: pool.acceleratorType, 'cloud.google.com/gke-gpu': 'true' },
        taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: GPU_TAINT.effect }],
        gpus: pool.acceleratorCount,
        ephemeral: '80Gi',
      });
    }
  }
  return nodes;
}

/** Pods node `i` of `count` holds so that the pool holds `total`, spread evenly. */
function slotsOn(i: number, count: number, total: number): number {
  return Math.floor(total / count) + (i < total % count ? 1 : 0);
}
