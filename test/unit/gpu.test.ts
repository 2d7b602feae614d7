/**
 * GPU runs: `resources.gpu` in the manifest is checked against the fleet (an
 * unknown type or one no available cluster can serve is rejected with the
 * types there are), placement only considers clusters with a pool for it, and
 * the Job asks for the GPUs on that pool — valid against the official batch/v1
 * schema, the API server's rules and the fleet admission.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { V1Job } from '@kubernetes/client-node';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { PermanentError } from '../../shared/errors.ts';
import { loadFleetConfig, parseFleetConfig, type FleetConfig } from '../../shared/fleet-config.ts';
import { manifestSchema } from '../../shared/manifest.ts';
import type { GpuRequest } from '../../shared/resources.ts';
import { fleetAdmission, schemaProblems, unknownFields } from '../../jobs/fleet/admission.ts';
import { buildJob } from '../../jobs/fleet/job-builder.ts';
import { fleetRuleProblems } from '../../jobs/fleet/fleet-rules.ts';
import { renderJobs } from '../../jobs/fleet/render.ts';
import { clusterCapacity, eligibleClusters, placeShards, podRequest } from '../../jobs/planning/placement.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const option = { type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 };
const base = { apiVersion: 'altus/v1', kind: 'Run', name: 'gpu', kernel: { name: 'black-scholes' }, parameters: { inline: [option] } };
const h100: GpuRequest = { type: 'nvidia-h100-80gb', count: 1 };
const a100: GpuRequest = { type: 'nvidia-tesla-a100', count: 1 };
const cluster = (config: FleetConfig, name: string) => config.clusters.find((c) => c.name === name)!;

const rejected: Array<[string, unknown, string, RegExp]> = [
  [
    'a type that is not a GKE accelerator',
    { gpu: { type: 'nvidia-b200', count: 1 } },
    'MANIFEST_INVALID',
    /resources\.gpu\.type: .*nvidia-h100-80gb.*nvidia-tesla-t4/,
  ],
  ['zero GPUs', { gpu: { type: 'nvidia-h100-80gb', count: 0 } }, 'MANIFEST_INVALID', /resources\.gpu\.count/],
  ['an unknown field', { gpu: { type: 'nvidia-h100-80gb', count: 1, memory: '80Gi' } }, 'MANIFEST_INVALID', /resources\.gpu: unknown field\(s\) "memory"/],
  [
    'a type no cluster has',
    { gpu: { type: 'nvidia-l4', count: 1 } },
    'GPU_UNAVAILABLE',
    /no GPU pool of the available worker clusters has 1 × nvidia-l4 per node; available GPU types: nvidia-h100-80gb \(up to 1 per pod\), nvidia-tesla-a100 \(up to 1 per pod\)/,
  ],
  [
    'more GPUs than a node has',
    { gpu: { type: 'nvidia-h100-80gb', count: 2 } },
    'GPU_UNAVAILABLE',
    /2 × nvidia-h100-80gb per node; available GPU types: nvidia-h100-80gb \(up to 1 per pod\)/,
  ],
];
for (const [label, resources, code, message] of rejected) {
  test(`GPU request rejected: ${label}`, () => {
    assert.throws(
      () => validateManifest({ ...base, resources }, fleet),
      (error: unknown) => error instanceof PermanentError && error.code === code && message.test(error.message),
    );
  });
}

test('GPU request rejected when placement.clusters leaves no cluster with that accelerator', () => {
  assert.throws(
    () => validateManifest({ ...base, resources: { gpu: h100 }, placement: { clusters: ['worker-b'] } }, fleet),
    (error: unknown) =>
      error instanceof PermanentError &&
      error.code === 'GPU_UNAVAILABLE' &&
      /placement\.clusters \(worker-b\).*available GPU types: nvidia-tesla-a100 \(up to 1 per pod\)$/.test(error.message),
  );
  const unavailable = parseFleetConfig({ ...fleet, clusters: fleet.clusters.map((c) => (c.name === 'worker-a' ? { ...c, available: false } : c)) });
  assert.throws(() => validateManifest({ ...base, resources: { gpu: h100 } }, unavailable), /available GPU types: nvidia-tesla-a100/);
});

test('placement: a GPU run only goes to clusters with a pool of its accelerator; a CPU run to every cluster', () => {
  const slices = (gpu?: GpuRequest) => placeShards(10, eligibleClusters(fleet, undefined, gpu)).map((s) => [s.cluster.name, s.offset, s.count]);
  assert.deepEqual(slices(h100), [['worker-a', 0, 10]]);
  assert.deepEqual(slices(a100), [['worker-b', 0, 10]]);
  assert.deepEqual(slices(), [
    ['worker-a', 0, 5],
    ['worker-b', 5, 5],
  ]);
  assert.deepEqual(eligibleClusters(fleet, undefined, { type: 'nvidia-h100-80gb', count: 2 }), []);
  assert.deepEqual(eligibleClusters(fleet, ['worker-b'], h100), []);
  const v = validateManifest({ ...base, resources: { gpu: a100 } }, fleet);
  assert.deepEqual(v.manifest.resources, { gpu: a100 });
});

/** A Job for `gpu` on `clusterName` of `config`. */
function gpuJob(config: FleetConfig, clusterName: string, gpu: GpuRequest): V1Job {
  return buildJob({
    fleet: config,
    cluster: cluster(config, clusterName),
    runId: 'gpu-run-0123456789ab',
    attempt: 0,
    shards: { offset: 0, count: 8 },
    planUri: 'gs://altus-results/runs/gpu-run-0123456789ab/plan.json',
    projectId: config.project,
    completionsTopic: `projects/${config.project}/topics/altus-completions`,
    retriesPerShard: 3,
    deadlineSeconds: 3600,
    rowsPerShard: 100,
    gpu,
  });
}

/** The test fleet with worker-a's H100 pool on on-demand VMs. */
const onDemandH100 = parseFleetConfig({
  ...fleet,
  clusters: fleet.clusters.map((c) => (c.name === 'worker-a' ? { ...c, gpuPools: c.gpuPools.map((p) => ({ ...p, spot: false })) } : c)),
});

test('GPU Job on a Spot H100 pool: asks for the GPU, selects the pool, tolerates the GPU and Spot taints, and is valid', () => {
  const job = gpuJob(fleet, 'worker-a', h100);
  assert.deepEqual(schemaProblems(job), []);
  assert.deepEqual(unknownFields(job, 'V1Job'), []);
  assert.deepEqual(fleetRuleProblems(job, cluster(fleet, 'worker-a')), []);
  assert.deepEqual(fleetAdmission(fleet)(job), []);
  const pod = job.spec!.template.spec!;
  assert.deepEqual(pod.nodeSelector, { 'cloud.google.com/gke-accelerator': 'nvidia-h100-80gb', 'altus.dev/pool': 'h100', 'cloud.google.com/gke-spot': 'true' });
  assert.deepEqual(pod.tolerations, [
    { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
  ]);
  assert.deepEqual(pod.containers[0]!.resources, {
    requests: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '321Mi', 'nvidia.com/gpu': '1' },
    limits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '321Mi', 'nvidia.com/gpu': '1' },
  });
});

test('GPU Job on an on-demand GPU pool of a Spot cluster: no Spot selector or toleration', () => {
  const job = gpuJob(onDemandH100, 'worker-a', h100);
  assert.deepEqual(fleetAdmission(onDemandH100)(job), []);
  assert.deepEqual(job.spec!.template.spec!.nodeSelector, { 'cloud.google.com/gke-accelerator': 'nvidia-h100-80gb', 'altus.dev/pool': 'h100' });
  assert.deepEqual(job.spec!.template.spec!.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
});

test('the Job builder refuses a GPU request the cluster cannot serve (placement should have kept it away)', () => {
  assert.throws(() => gpuJob(fleet, 'worker-b', h100), /worker-b has no GPU pool with 1 × nvidia-h100-80gb/);
});

const ruleCases: Array<{ label: string; config?: FleetConfig; mutate: (job: V1Job) => void; expect: RegExp }> = [
  {
    label: 'no GPU toleration',
    mutate: (j) => j.spec!.template.spec!.tolerations!.shift(),
    expect: /tolerations: the nvidia\.com\/gpu=present:NoSchedule toleration must be present/,
  },
  {
    label: 'the wrong accelerator for the pool',
    mutate: (j) => (j.spec!.template.spec!.nodeSelector!['cloud.google.com/gke-accelerator'] = 'nvidia-l4'),
    expect: /gke-accelerator must be nvidia-h100-80gb \(pool h100\)/,
  },
  {
    label: 'no pool selected',
    mutate: (j) => delete j.spec!.template.spec!.nodeSelector!['altus.dev/pool'],
    expect: /must select a GPU pool of cluster worker-a by altus\.dev\/pool \(h100\)/,
  },
  {
    label: 'more GPUs than the pool has per node',
    mutate: (j) => {
      const r = j.spec!.template.spec!.containers[0]!.resources!;
      r.limits!['nvidia.com/gpu'] = '2';
      r.requests!['nvidia.com/gpu'] = '2';
    },
    expect: /2 nvidia\.com\/gpu exceed the 1 per node of pool h100/,
  },
  {
    label: 'a CPU pod on the GPU pool',
    mutate: (j) => {
      const r = j.spec!.template.spec!.containers[0]!.resources!;
      delete r.limits!['nvidia.com/gpu'];
      delete r.requests!['nvidia.com/gpu'];
    },
    expect: /altus\.dev\/pool=h100 is a GPU pool, but the pod asks for no nvidia\.com\/gpu/,
  },
  {
    label: 'the Spot selector on an on-demand GPU pool',
    config: onDemandH100,
    mutate: (j) => (j.spec!.template.spec!.nodeSelector!['cloud.google.com/gke-spot'] = 'true'),
    expect: /gke-spot=true must be absent on on-demand GPU pool h100 of cluster worker-a/,
  },
];
for (const c of ruleCases) {
  test(`fleet admission refuses a GPU Job with ${c.label}`, () => {
    const config = c.config ?? fleet;
    const job = structuredClone(gpuJob(config, 'worker-a', h100));
    c.mutate(job);
    const problems = fleetAdmission(config)(job);
    assert.ok(
      problems.some((p) => c.expect.test(p)),
      `expected ${c.expect} in ${JSON.stringify(problems)}`,
    );
  });
}

test('examples/book-mc-h100.json is valid and goes to worker-a, the cluster with H100s', () => {
  const v = validateManifest(JSON.parse(readFileSync(new URL('../../examples/book-mc-h100.json', import.meta.url), 'utf8')), fleet);
  assert.deepEqual(v.manifest.resources?.gpu, h100);
  assert.deepEqual(
    eligibleClusters(fleet, v.manifest.placement.clusters, v.manifest.resources?.gpu).map((c) => c.name),
    ['worker-a'],
  );
});

test('render-jobs: a GPU manifest renders one Job, on the cluster with that accelerator', () => {
  const manifest = manifestSchema.parse({ ...base, resources: { gpu: a100 } });
  const jobs = renderJobs({ fleet, manifest, runId: 'gpu-render-0123', shardCount: 6 });
  assert.deepEqual(
    jobs.map((j) => [j.metadata!.labels!['altus.dev/cluster'], j.spec!.completions, j.spec!.template.spec!.nodeSelector!['altus.dev/pool']]),
    [['worker-b', 6, 'a100']],
  );
  assert.deepEqual(fleetAdmission(fleet)(jobs[0]!), []);
});

test("placement: a GPU run's capacity is its pool's GPUs (4 H100 nodes: 4 pods), not the CPU pool's 5,000", () => {
  const workerA = cluster(fleet, 'worker-a');
  const pool = workerA.gpuPools.find((p) => p.acceleratorType === h100.type)!;
  assert.equal(clusterCapacity(workerA, podRequest(fleet, h100)), 4);
  const perNode = Math.floor(pool.acceleratorCount / h100.count);
  assert.equal(clusterCapacity(workerA, podRequest(fleet, h100)), Math.min(workerA.maxParallelism, pool.maxNodes * perNode));
  assert.ok(clusterCapacity(workerA, podRequest(fleet, h100)) < clusterCapacity(workerA, podRequest(fleet)), "GPU capacity is not the CPU pool's");
  assert.equal(clusterCapacity(cluster(fleet, 'worker-b'), podRequest(fleet, h100)), 0, 'no H100 pool');
  assert.throws(() => placeShards(4, fleet.clusters, podRequest(fleet, h100)), /no node of worker-b can hold one pod of this run \(1 × nvidia-h100-80gb\)/);
});
