/**
 * Fleet shapes and Job requests the fleet tests share: Spot and on-demand
 * clusters, long names, every retry count, both shard selections.
 */
import { parseFleetConfig, type FleetConfig, type WorkerCluster } from '../../shared/fleet-config.ts';
import type { JobRequest } from '../../jobs/fleet/job-builder.ts';

const pricing = { spotPerVcpuHour: 0.01, onDemandPerVcpuHour: 0.04 };

function cluster(name: string, spot: boolean, maxParallelism: number, weight = 1) {
  return { name, region: 'us-central1', weight, spot, maxParallelism, machineType: 'c2d-standard-8', vcpusPerNode: 8, maxNodes: 100, pricing };
}

/** A fleet configuration with the given clusters (validated like altus.config.json). */
export function fleetOf(clusters: ReturnType<typeof cluster>[]): FleetConfig {
  return parseFleetConfig({
    project: 'altus-test-project',
    hub: { name: 'altus-hub', region: 'us-east1' },
    clusters,
    workerImage: 'us-central1-docker.pkg.dev/altus-test-project/altus/worker@sha256:' + 'a'.repeat(64),
    workerServiceAccount: { kubernetes: 'altus-worker', google: 'altus-worker' },
  });
}

/** Three clusters: two Spot, one on-demand, one with a 40-character name. */
export const threeClusters = fleetOf([
  cluster('worker-a', true, 5000),
  cluster('worker-b', true, 2000, 2),
  cluster('worker-on-demand-with-a-long-name-x40ch', false, 800),
]);

/** The cluster of `fleet` called `name`. */
export function clusterNamed(fleet: FleetConfig, name: string): WorkerCluster {
  const found = fleet.clusters.find((c) => c.name === name);
  if (!found) throw new Error(`no cluster ${name}`);
  return found;
}

/** A Job request with sensible defaults. */
export function jobRequest(overrides: Partial<JobRequest> & Pick<JobRequest, 'cluster'>): JobRequest {
  return {
    fleet: threeClusters,
    runId: 'book-mc-0123456789ab',
    attempt: 0,
    shards: { offset: 0, count: 100 },
    planUri: 'gs://altus-results/runs/book-mc-0123456789ab/plan.json',
    projectId: 'altus-test-project',
    completionsTopic: 'projects/altus-test-project/topics/altus-completions',
    retriesPerShard: 3,
    deadlineSeconds: 3600,
    rowsPerShard: 100,
    ...overrides,
  };
}

/** Many request shapes: every cluster kind, both selections, long ids, retries 0..10, several deadlines. */
export function requestTable(): Array<{ label: string; request: JobRequest }> {
  const rows: Array<{ label: string; request: JobRequest }> = [];
  const longRunId = 'a-very-long-run-id-of-forty-characters-x';
  for (const c of threeClusters.clusters) {
    for (const retries of [0, 1, 3, 10]) {
      rows.push({
        label: `${c.name} offset retries=${retries}`,
        request: jobRequest({ cluster: c, retriesPerShard: retries, shards: { offset: 250, count: 7 } }),
      });
    }
    rows.push({ label: `${c.name} list`, request: jobRequest({ cluster: c, shards: { list: [3, 17, 4095] }, attempt: 2 }) });
    rows.push({
      label: `${c.name} long run id, attempt 12`,
      request: jobRequest({ cluster: c, runId: longRunId, attempt: 12, shards: { offset: 0, count: 9999 } }),
    });
    rows.push({ label: `${c.name} 100000 completions`, request: jobRequest({ cluster: c, shards: { offset: 0, count: 100_000 } }) });
    rows.push({ label: `${c.name} one shard, 60 s deadline`, request: jobRequest({ cluster: c, shards: { offset: 5, count: 1 }, deadlineSeconds: 60 }) });
  }
  for (const retries of [2, 4, 5, 6, 7, 8, 9])
    rows.push({ label: `retries=${retries}`, request: jobRequest({ cluster: threeClusters.clusters[0]!, retriesPerShard: retries }) });
  return rows;
}
