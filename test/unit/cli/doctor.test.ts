/**
 * `altus doctor --cloud` against responses written from the APIs' reference pages
 * (no real project answers here): Service Usage services.list
 * (https://cloud.google.com/service-usage/docs/reference/rest/v1/services/list),
 * Compute projects.get and regions.get quotas
 * (https://cloud.google.com/compute/docs/reference/rest/v1/regions/get), and
 * acceleratorTypes.aggregatedList
 * (https://cloud.google.com/compute/docs/reference/rest/v1/acceleratorTypes/aggregatedList),
 * and Container projects.locations.clusters.list
 * (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/list).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REQUIRED_APIS } from '../../../infra/constructs/apis.ts';
import { doctorFindings, type ApiReader } from '../../../scripts/cli/doctor/doctor-command.ts';
import { gpuQuotaMetric } from '../../../scripts/cli/doctor/cloud-checks.ts';
import { loadFleetConfig, parseFleetConfig } from '../../../shared/fleet-config.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';

const base = loadFleetConfig(TEST_FLEET_CONFIG);
const fleet = parseFleetConfig(
  { ...JSON.parse(JSON.stringify(base)), workerImage: `us-central1-docker.pkg.dev/${base.project}/altus/worker@sha256:${'a'.repeat(64)}` },
  'pinned',
);
const compute = `https://compute.googleapis.com/compute/v1/projects/${fleet.project}`;

const service = (name: string) => ({
  name: `projects/123456789012/services/${name}`,
  config: { name, title: name },
  state: 'ENABLED',
  parent: 'projects/123456789012',
});
const quota = (metric: string, limit: number, usage = 0) => ({ metric, limit, usage });
const region = (name: string, quotas: object[]) => ({ kind: 'compute#region', name, status: 'UP', zones: [], quotas });
const accelerators = (byZone: Record<string, string[]>) => ({
  kind: 'compute#acceleratorTypeAggregatedList',
  items: {
    ...Object.fromEntries(
      Object.entries(byZone).map(([zone, types]) => [
        `zones/${zone}`,
        { acceleratorTypes: types.map((name) => ({ kind: 'compute#acceleratorType', name, zone: `${compute}/zones/${zone}`, maximumCardsPerInstance: 8 })) },
      ]),
    ),
    'zones/us-central1-b': { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'There are no results for scope zones/us-central1-b on this page.' } },
  },
});

const cluster = (name: string, location: string, status = 'RUNNING') => ({
  name,
  location,
  status,
  selfLink: `https://container.googleapis.com/v1/projects/${fleet.project}/locations/${location}/clusters/${name}`,
});

/** A healthy project: every API on, enough quota, the accelerators where the configuration puts them. */
function healthy(): Map<string, unknown> {
  return new Map<string, unknown>([
    [`https://serviceusage.googleapis.com/v1/projects/${fleet.project}/services?filter=state:ENABLED&pageSize=200`, { services: REQUIRED_APIS.map(service) }],
    [compute, { kind: 'compute#project', name: fleet.project, quotas: [quota('CPUS_ALL_REGIONS', 32, 0)] }],
    [
      `${compute}/regions/us-central1`,
      region('us-central1', [quota('SSD_TOTAL_GB', 500), quota('PREEMPTIBLE_CPUS', 5600), quota('PREEMPTIBLE_NVIDIA_H100_GPUS', 4)]),
    ],
    [
      `${compute}/regions/europe-west4`,
      region('europe-west4', [quota('SSD_TOTAL_GB', 500), quota('PREEMPTIBLE_CPUS', 5600), quota('PREEMPTIBLE_NVIDIA_A100_GPUS', 4)]),
    ],
    [
      `https://container.googleapis.com/v1/projects/${fleet.project}/locations/-/clusters`,
      { clusters: [cluster('altus-hub', 'us-east1'), cluster('worker-a', 'us-central1'), cluster('worker-b', 'europe-west4')] },
    ],
    [
      `${compute}/aggregated/acceleratorTypes`,
      accelerators({
        'us-central1-a': ['nvidia-h100-80gb'],
        'us-central1-c': ['nvidia-h100-80gb'],
        'europe-west4-a': ['nvidia-tesla-a100'],
        'europe-west4-b': ['nvidia-tesla-a100'],
      }),
    ],
  ]);
}
const reader =
  (responses: Map<string, unknown>): ApiReader =>
  async (url) => {
    if (!responses.has(url)) throw new Error(`403 on ${url}`);
    return responses.get(url);
  };
const problems = async (responses: Map<string, unknown>) => (await doctorFindings(fleet, reader(responses))).filter((f) => f.level !== 'ok');

test('a project with every API, enough quota and the accelerators in the configured zones has nothing to report', async () => {
  assert.deepEqual(await problems(healthy()), []);
});

test('a disabled API is named', async () => {
  const responses = healthy();
  const list = responses.get(`https://serviceusage.googleapis.com/v1/projects/${fleet.project}/services?filter=state:ENABLED&pageSize=200`) as {
    services: unknown[];
  };
  list.services = REQUIRED_APIS.filter((a) => a !== 'container.googleapis.com').map(service);
  assert.deepEqual(
    (await problems(responses)).map((f) => f.message),
    ['not enabled yet (the deploy enables them, if you may): container.googleapis.com'],
  );
});

test('CPUS_ALL_REGIONS too small for the first deploy fails; SSD_TOTAL_GB too small in a worker region fails', async () => {
  const responses = healthy();
  responses.set(compute, { quotas: [quota('CPUS_ALL_REGIONS', 24, 20)] });
  responses.set(
    `${compute}/regions/europe-west4`,
    region('europe-west4', [quota('SSD_TOTAL_GB', 500, 480), quota('PREEMPTIBLE_CPUS', 5600), quota('PREEMPTIBLE_NVIDIA_A100_GPUS', 4)]),
  );
  const found = await problems(responses);
  assert.ok(
    found.some((f) => f.level === 'fail' && /CPUS_ALL_REGIONS: 4 free, the first deploy needs 22/.test(f.message)),
    JSON.stringify(found),
  );
  assert.ok(
    found.some((f) => f.level === 'fail' && /worker-b: SSD_TOTAL_GB in europe-west4 has 20 GB free/.test(f.message)),
    JSON.stringify(found),
  );
});

test('a Spot GPU pool without preemptible GPU quota fails, a small one warns how many nodes it allows', async () => {
  assert.equal(gpuQuotaMetric({ acceleratorType: 'nvidia-h100-80gb', spot: true }), 'PREEMPTIBLE_NVIDIA_H100_GPUS');
  const responses = healthy();
  responses.set(`${compute}/regions/us-central1`, region('us-central1', [quota('SSD_TOTAL_GB', 500), quota('PREEMPTIBLE_CPUS', 5600)]));
  responses.set(
    `${compute}/regions/europe-west4`,
    region('europe-west4', [quota('SSD_TOTAL_GB', 500), quota('PREEMPTIBLE_CPUS', 64), quota('PREEMPTIBLE_NVIDIA_A100_GPUS', 2)]),
  );
  const messages = (await problems(responses)).map((f) => `${f.level} ${f.message}`);
  assert.ok(messages.includes('fail worker-a/h100: PREEMPTIBLE_NVIDIA_H100_GPUS in us-central1 is 0; no node of 1 GPU(s) can start'), messages.join('\n'));
  assert.ok(messages.includes('warn worker-b/a100: PREEMPTIBLE_NVIDIA_A100_GPUS in europe-west4 allows 2 of 4 nodes'), messages.join('\n'));
  assert.ok(
    messages.some((m) => /^warn worker-b: PREEMPTIBLE_CPUS in europe-west4 allows 64 vCPUs, maxNodes needs 5600/.test(m)),
    messages.join('\n'),
  );
});

test('a configured zone the project does not see the accelerator in fails, naming where it is', async () => {
  const responses = healthy();
  responses.set(
    `${compute}/aggregated/acceleratorTypes`,
    accelerators({ 'us-central1-a': ['nvidia-h100-80gb'], 'europe-west4-a': ['nvidia-tesla-a100'], 'europe-west4-b': ['nvidia-tesla-a100'] }),
  );
  const found = await problems(responses);
  assert.deepEqual(
    found.map((f) => f.message),
    ['worker-a/h100: us-central1-c lack nvidia-h100-80gb; this project sees it in us-central1-a'],
  );
});

test('an image named by tag fails; an API that cannot be read is a failed check, not a crash', async () => {
  const tagged = parseFleetConfig(JSON.parse(JSON.stringify(base)), 'tagged');
  const responses = healthy();
  responses.delete(`${compute}/aggregated/acceleratorTypes`);
  const found = (await doctorFindings(tagged, reader(responses))).filter((f) => f.level === 'fail');
  assert.ok(found.some((f) => f.check === 'image' && /is not pinned by digest/.test(f.message)));
  assert.ok(found.some((f) => f.check === 'accelerator-zones' && /cannot read the accelerator types: 403/.test(f.message)));
});

test('clusters: none yet is fine before the first deploy; one missing, elsewhere or not running is named', async () => {
  const clustersUrl = `https://container.googleapis.com/v1/projects/${fleet.project}/locations/-/clusters`;
  const none = healthy();
  none.set(clustersUrl, {});
  assert.deepEqual(await problems(none), []);
  const broken = healthy();
  broken.set(clustersUrl, { clusters: [cluster('altus-hub', 'us-east1', 'PROVISIONING'), cluster('worker-a', 'us-central1-a')] });
  assert.deepEqual(
    (await problems(broken)).map((f) => `${f.level} ${f.message}`),
    [
      'warn altus-hub: PROVISIONING, not RUNNING',
      'fail worker-a: in us-central1-a, the configuration says us-central1',
      'fail worker-b: missing in europe-west4; npm run deploy creates it',
    ],
  );
});
