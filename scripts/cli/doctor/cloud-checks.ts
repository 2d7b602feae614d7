/**
 * What `altus doctor --cloud` checks, as pure functions over the Google APIs'
 * responses (decoded with zod at the edge): the APIs the stack needs, the quotas
 * a first deploy and the configured GPU pools need, the accelerator in every
 * pool's zones, and the worker image pinned by digest. Each returns findings an
 * operator can act on; the command fetches the responses and prints them.
 */
import { z } from 'zod';
import type { FleetConfig, GpuPool } from '../../../shared/fleet-config.ts';

/** One thing found: `fail` stops a deploy or a run, `warn` limits it, `ok` is fine. */
export interface Finding {
  readonly level: 'ok' | 'warn' | 'fail';
  readonly check: 'apis' | 'quota' | 'accelerator-zones' | 'clusters' | 'image';
  readonly message: string;
}

/** Service Usage `services.list` (https://cloud.google.com/service-usage/docs/reference/rest/v1/services/list), `filter=state:ENABLED`. */
export const serviceListSchema = z
  .object({
    services: z.array(z.object({ config: z.object({ name: z.string() }).passthrough(), state: z.string() }).passthrough()).default([]),
    nextPageToken: z.string().optional(),
  })
  .passthrough();

/** Compute `projects.get` and `regions.get` quotas (https://cloud.google.com/compute/docs/reference/rest/v1/regions/get). */
export const quotaHolderSchema = z
  .object({
    quotas: z.array(z.object({ metric: z.string(), limit: z.number(), usage: z.number() }).passthrough()).default([]),
  })
  .passthrough();

/** Compute `acceleratorTypes.aggregatedList` (https://cloud.google.com/compute/docs/reference/rest/v1/acceleratorTypes/aggregatedList). */
export const acceleratorListSchema = z
  .object({
    items: z.record(z.string(), z.object({ acceleratorTypes: z.array(z.object({ name: z.string() }).passthrough()).optional() }).passthrough()).default({}),
  })
  .passthrough();

/** Container `projects.locations.clusters.list` (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/list). */
export const clusterListSchema = z
  .object({
    clusters: z.array(z.object({ name: z.string(), location: z.string(), status: z.string() }).passthrough()).default([]),
  })
  .passthrough();

/** Every required API not in the enabled list. */
export function checkApis(enabled: z.infer<typeof serviceListSchema>, required: readonly string[]): Finding[] {
  const on = new Set(enabled.services.filter((s) => s.state === 'ENABLED').map((s) => s.config.name));
  const missing = required.filter((api) => !on.has(api));
  return missing.length
    ? [{ level: 'warn', check: 'apis', message: `not enabled yet (the deploy enables them, if you may): ${missing.join(', ')}` }]
    : [{ level: 'ok', check: 'apis', message: `all ${required.length} APIs enabled` }];
}

/** Compute quota metric of a pool's GPUs (Spot pools draw on the preemptible quota). */
export function gpuQuotaMetric(pool: Pick<GpuPool, 'acceleratorType' | 'spot'>): string {
  const model: Record<GpuPool['acceleratorType'], string> = {
    'nvidia-h100-80gb': 'NVIDIA_H100_GPUS',
    'nvidia-a100-80gb': 'NVIDIA_A100_80GB_GPUS',
    'nvidia-tesla-a100': 'NVIDIA_A100_GPUS',
    'nvidia-l4': 'NVIDIA_L4_GPUS',
    'nvidia-tesla-t4': 'NVIDIA_T4_GPUS',
  };
  return `${pool.spot ? 'PREEMPTIBLE_' : ''}${model[pool.acceleratorType]}`;
}

/**
 * vCPUs and SSD a first deploy holds at once in a worker region: the throwaway default
 * pool (three e2-medium, standard disks) while the cluster is created, then the system
 * node (one e2-medium, 50 GB pd-balanced); the hub and connector add a few vCPUs.
 */
export const FIRST_DEPLOY_NEEDS = { cpusPerWorkerRegion: 8, ssdGbPerWorkerRegion: 50, cpusHubAndConnector: 6 } as const;

const remaining = (holder: z.infer<typeof quotaHolderSchema>, metric: string) => {
  const q = holder.quotas.find((x) => x.metric === metric);
  return q ? q.limit - q.usage : undefined;
};

/** Quotas: CPUS_ALL_REGIONS for the first deploy, per region CPUS/SSD_TOTAL_GB, and each GPU pool's quota. */
export function checkQuotas(
  fleet: Pick<FleetConfig, 'clusters'>,
  project: z.infer<typeof quotaHolderSchema>,
  regions: Readonly<Record<string, z.infer<typeof quotaHolderSchema>>>,
): Finding[] {
  const findings: Finding[] = [];
  const cpusNeeded = fleet.clusters.length * FIRST_DEPLOY_NEEDS.cpusPerWorkerRegion + FIRST_DEPLOY_NEEDS.cpusHubAndConnector;
  const all = remaining(project, 'CPUS_ALL_REGIONS');
  findings.push(
    all === undefined || all >= cpusNeeded
      ? { level: 'ok', check: 'quota', message: `CPUS_ALL_REGIONS: ${all ?? 'no limit'} free, the first deploy needs ${cpusNeeded}` }
      : { level: 'fail', check: 'quota', message: `CPUS_ALL_REGIONS: ${all} free, the first deploy needs ${cpusNeeded}; request more before deploying` },
  );
  for (const cluster of fleet.clusters) {
    const region = regions[cluster.region];
    if (!region) {
      findings.push({ level: 'fail', check: 'quota', message: `${cluster.name}: no quota information for ${cluster.region}` });
      continue;
    }
    const ssd = remaining(region, 'SSD_TOTAL_GB');
    if (ssd !== undefined && ssd < FIRST_DEPLOY_NEEDS.ssdGbPerWorkerRegion) {
      findings.push({
        level: 'fail',
        check: 'quota',
        message: `${cluster.name}: SSD_TOTAL_GB in ${cluster.region} has ${ssd} GB free, the system pool needs ${FIRST_DEPLOY_NEEDS.ssdGbPerWorkerRegion}`,
      });
    }
    const batchMetric = cluster.spot ? 'PREEMPTIBLE_CPUS' : 'CPUS';
    const cpus = remaining(region, batchMetric);
    const wanted = cluster.maxNodes * cluster.vcpusPerNode;
    if (cpus !== undefined && cpus < wanted) {
      findings.push({
        level: 'warn',
        check: 'quota',
        message: `${cluster.name}: ${batchMetric} in ${cluster.region} allows ${cpus} vCPUs, maxNodes needs ${wanted}; the batch pool stops growing there`,
      });
    }
    for (const pool of cluster.gpuPools) {
      const metric = gpuQuotaMetric(pool);
      const gpus = remaining(region, metric) ?? 0;
      const perNode = pool.acceleratorCount;
      if (gpus < perNode) {
        findings.push({
          level: 'fail',
          check: 'quota',
          message: `${cluster.name}/${pool.name}: ${metric} in ${cluster.region} is ${gpus}; no node of ${perNode} GPU(s) can start`,
        });
      } else if (gpus < perNode * pool.maxNodes) {
        findings.push({
          level: 'warn',
          check: 'quota',
          message: `${cluster.name}/${pool.name}: ${metric} in ${cluster.region} allows ${Math.floor(gpus / perNode)} of ${pool.maxNodes} nodes`,
        });
      } else {
        findings.push({ level: 'ok', check: 'quota', message: `${cluster.name}/${pool.name}: ${metric} allows every node` });
      }
    }
  }
  return findings;
}

/** Every GPU pool's zones offer its accelerator, as the project sees them (not only as the repository's table says). */
export function checkAcceleratorZones(fleet: Pick<FleetConfig, 'clusters'>, list: z.infer<typeof acceleratorListSchema>): Finding[] {
  const offered = new Map<string, Set<string>>();
  for (const [scope, entry] of Object.entries(list.items)) {
    const zone = scope.replace(/^zones\//, '');
    for (const type of entry.acceleratorTypes ?? []) offered.set(type.name, (offered.get(type.name) ?? new Set()).add(zone));
  }
  return fleet.clusters.flatMap((cluster) =>
    cluster.gpuPools.map((pool): Finding => {
      const zones = [...(offered.get(pool.acceleratorType) ?? [])].filter((z) => z.startsWith(`${cluster.region}-`)).sort();
      const missing = (pool.zones ?? []).filter((z) => !zones.includes(z));
      if (!pool.zones || missing.length) {
        return {
          level: 'fail',
          check: 'accelerator-zones',
          message: `${cluster.name}/${pool.name}: ${pool.zones ? `${missing.join(', ')} lack` : 'no zones named for'} ${pool.acceleratorType}; this project sees it in ${zones.join(', ') || 'no zone of ' + cluster.region}`,
        };
      }
      return { level: 'ok', check: 'accelerator-zones', message: `${cluster.name}/${pool.name}: ${pool.acceleratorType} in ${pool.zones.join(', ')}` };
    }),
  );
}

/**
 * The hub and every worker cluster exist where the configuration says and are RUNNING
 * (before the first deploy: none exists yet, which is no failure).
 */
export function checkClusters(fleet: Pick<FleetConfig, 'hub' | 'clusters'>, list: z.infer<typeof clusterListSchema>): Finding[] {
  const wanted = [{ name: fleet.hub.name, region: fleet.hub.region }, ...fleet.clusters.map((c) => ({ name: c.name, region: c.region }))];
  if (!wanted.some((w) => list.clusters.some((c) => c.name === w.name))) {
    return [{ level: 'ok', check: 'clusters', message: 'no cluster yet: the deploy creates them' }];
  }
  return wanted.map(({ name, region }): Finding => {
    const found = list.clusters.find((c) => c.name === name);
    if (!found) return { level: 'fail', check: 'clusters', message: `${name}: missing in ${region}; npm run deploy creates it` };
    if (found.location !== region) return { level: 'fail', check: 'clusters', message: `${name}: in ${found.location}, the configuration says ${region}` };
    if (found.status !== 'RUNNING') return { level: 'warn', check: 'clusters', message: `${name}: ${found.status}, not RUNNING` };
    return { level: 'ok', check: 'clusters', message: `${name}: RUNNING in ${region}` };
  });
}

/** The worker image is pinned by digest (what `npm run image -- --pin` writes), not a moving tag. */
export function checkImageDigest(fleet: Pick<FleetConfig, 'workerImage'>): Finding[] {
  return /@sha256:[0-9a-f]{64}$/.test(fleet.workerImage)
    ? [{ level: 'ok', check: 'image', message: `worker image pinned: ${fleet.workerImage}` }]
    : [{ level: 'fail', check: 'image', message: `workerImage ${fleet.workerImage} is not pinned by digest: run npm run image -- --pin (the deploy does)` }];
}
