/**
 * The estimated compute cost of a run, from its shard records and the prices in
 * the fleet configuration. What is billed, per recorded shard: the pod's
 * requested vCPUs (`workerResources.cpu`) and GPUs (`resources.gpu.count`) for
 * the worker's wall time on the shard, at the prices of the cluster (and GPU
 * pool) that ran it — Spot prices when that pool is Spot, on-demand otherwise.
 * Requested, not used, CPU: on GKE Standard the node is paid for whether a pod
 * uses its reservation or waits on I/O, and the autoscaler sizes the pool by
 * requests. The CPU time used stays on the run as `cpuSeconds`.
 *
 * Not included: the hub cluster, the system node pools, node boot and
 * scale-down idle time, image pulls, functions, Pub/Sub, Firestore, storage and
 * egress; attempts whose completion was not the recorded one (a shard's first
 * recorded completion wins, so preempted or duplicate work is not counted).
 * Pure and O(shards): aggregate calls it over the run's shard records, which
 * are created once per shard, so duplicate completions cannot count twice.
 */
import type { FleetConfig, WorkerCluster } from './fleet-config.ts';
import type { ShardDocument } from './documents.ts';
import { cpuQuantityVcpus, gpuPoolFor, type GpuRequest } from './resources.ts';

/** Prices a pool was billed at, USD per hour. */
export interface PoolPrices {
  perVcpuHour: number;
  onDemandPerVcpuHour: number;
  perGpuHour?: number;
  onDemandPerGpuHour?: number;
}

/** The cost of a run's shards on one pool of one cluster. */
export interface PoolCost {
  cluster: string;
  region: string;
  /** The GPU pool's name; absent for the cluster's CPU (batch) pool. */
  gpuPool?: string;
  acceleratorType?: string;
  machineType: string;
  spot: boolean;
  shards: number;
  /** Requested vCPUs × wall seconds. */
  vcpuSeconds: number;
  /** Requested GPUs × wall seconds. */
  gpuSeconds: number;
  prices: PoolPrices;
  estimatedUsd: number;
  onDemandEquivalentUsd: number;
}

/** `cost` on the run document. Amounts are stored unrounded; displays round them. */
export interface RunCost {
  /** At the prices the pools run at (Spot where they are Spot). */
  estimatedUsd: number;
  /** The same seconds at on-demand prices. */
  onDemandEquivalentUsd: number;
  /** 100 × (1 − estimated / on-demand equivalent), 0 when that is 0. */
  savingsPercent: number;
  vcpuSeconds: number;
  gpuSeconds: number;
  /** Shards recorded on a cluster (or GPU pool) the configuration no longer has: not priced. */
  shardsUnpriced: number;
  byPool: PoolCost[];
}

type BilledShard = Pick<ShardDocument, 'cluster' | 'cpuSeconds' | 'wallSeconds'>;

/** Sums billed seconds per pool, one shard at a time; {@link result} prices them. */
export class RunCostAccumulator {
  private readonly pools = new Map<string, { cluster: WorkerCluster; shards: number; vcpuSeconds: number; gpuSeconds: number }>();
  private readonly vcpusPerPod: number;
  private unpriced = 0;

  constructor(
    private readonly fleet: FleetConfig,
    private readonly gpu?: GpuRequest,
  ) {
    this.vcpusPerPod = cpuQuantityVcpus(fleet.workerResources.cpu);
  }

  /** Adds one shard record (each shard once: the caller passes the run's shard documents). */
  add(shard: BilledShard): void {
    const cluster = this.fleet.clusters.find((c) => c.name === shard.cluster);
    // A cluster gone from the configuration, or one that lost the GPU pool the run used, has no price to apply.
    if (!cluster || (this.gpu && !gpuPoolFor(cluster, this.gpu))) {
      this.unpriced++;
      return;
    }
    // Records without wall time (older workers) fall back to the CPU time used: a lower bound.
    const podSeconds = shard.wallSeconds ?? shard.cpuSeconds / this.vcpusPerPod;
    const entry = this.pools.get(cluster.name) ?? { cluster, shards: 0, vcpuSeconds: 0, gpuSeconds: 0 };
    entry.shards += 1;
    entry.vcpuSeconds += podSeconds * this.vcpusPerPod;
    entry.gpuSeconds += podSeconds * (this.gpu?.count ?? 0);
    this.pools.set(cluster.name, entry);
  }

  /** The run's cost so far. */
  result(): RunCost {
    const byPool = [...this.pools.values()].map((p) => this.price(p.cluster, p.shards, p.vcpuSeconds, p.gpuSeconds));
    const estimatedUsd = sum(byPool.map((p) => p.estimatedUsd));
    const onDemandEquivalentUsd = sum(byPool.map((p) => p.onDemandEquivalentUsd));
    return {
      estimatedUsd,
      onDemandEquivalentUsd,
      savingsPercent: savingsPercent(estimatedUsd, onDemandEquivalentUsd),
      vcpuSeconds: sum(byPool.map((p) => p.vcpuSeconds)),
      gpuSeconds: sum(byPool.map((p) => p.gpuSeconds)),
      shardsUnpriced: this.unpriced,
      byPool,
    };
  }

  private price(cluster: WorkerCluster, shards: number, vcpuSeconds: number, gpuSeconds: number): PoolCost {
    const pool = this.gpu ? gpuPoolFor(cluster, this.gpu) : undefined;
    const spot = pool ? pool.spot : cluster.spot;
    const prices: PoolPrices = {
      // A GPU pod's host vCPUs are billed at the cluster's vCPU price, Spot as its pool is.
      perVcpuHour: spot ? cluster.pricing.spotPerVcpuHour : cluster.pricing.onDemandPerVcpuHour,
      onDemandPerVcpuHour: cluster.pricing.onDemandPerVcpuHour,
      ...(pool
        ? { perGpuHour: spot ? pool.pricing.spotPerGpuHour : pool.pricing.onDemandPerGpuHour, onDemandPerGpuHour: pool.pricing.onDemandPerGpuHour }
        : {}),
    };
    return {
      cluster: cluster.name,
      region: cluster.region,
      ...(pool ? { gpuPool: pool.name, acceleratorType: pool.acceleratorType } : {}),
      machineType: pool ? pool.machineType : cluster.machineType,
      spot,
      shards,
      vcpuSeconds,
      gpuSeconds,
      prices,
      estimatedUsd: (vcpuSeconds * prices.perVcpuHour + gpuSeconds * (prices.perGpuHour ?? 0)) / 3600,
      onDemandEquivalentUsd: (vcpuSeconds * prices.onDemandPerVcpuHour + gpuSeconds * (prices.onDemandPerGpuHour ?? 0)) / 3600,
    };
  }
}

/** The cost of a run's shard records (each shard once). */
export function runCost(fleet: FleetConfig, gpu: GpuRequest | undefined, shards: Iterable<BilledShard>): RunCost {
  const accumulator = new RunCostAccumulator(fleet, gpu);
  for (const shard of shards) accumulator.add(shard);
  return accumulator.result();
}

/** 100 × (1 − estimated / onDemand) within [0, 100]; 0 when onDemand is 0. */
export function savingsPercent(estimatedUsd: number, onDemandUsd: number): number {
  if (onDemandUsd <= 0) return 0;
  return Math.min(100, Math.max(0, 100 * (1 - estimatedUsd / onDemandUsd)));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
