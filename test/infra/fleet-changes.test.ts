/**
 * The fleet configuration drives the plan: a third worker region, a GPU pool or
 * an on-demand cluster change the synthesized stack accordingly, with no code
 * edit, and leave the existing clusters exactly as they were.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Testing } from 'cdktf';
import { checkPolicies, formatViolations } from '../../infra/policy.ts';
import type { SynthesizedStack } from '../../infra/synthesized.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import { TEST_FLEET, fleetWith, resources, synthFleet } from './fleet-fixture.ts';

const before = synthFleet();
/** An L4 pool for worker-b (europe-west4), in zones that have L4s. */
const gpuPool = {
  name: 'l4',
  acceleratorType: 'nvidia-l4',
  acceleratorCount: 1,
  machineType: 'g2-standard-8',
  maxNodes: 8,
  spot: true,
  zones: ['europe-west4-a', 'europe-west4-b'],
  pricing: { spotPerGpuHour: 0.22, onDemandPerGpuHour: 0.71 },
};

/** Resource bodies by their Terraform name (derived from the construct path), for before/after comparisons. */
function byName(parsed: SynthesizedStack, type: string): Map<string, string> {
  return new Map(Object.entries(resources(parsed, type)).map(([name, body]) => [name, JSON.stringify(body)]));
}

function assertPasses(parsed: SynthesizedStack, fleet: FleetConfig): void {
  const violations = checkPolicies(parsed, { fleet });
  assert.deepEqual(violations, [], formatViolations(violations));
}

test('a third worker region adds its subnet, NAT, cluster and pools, and changes nothing that exists', () => {
  const fleet = fleetWith((raw) => {
    raw.clusters.push({
      ...raw.clusters[0],
      name: 'worker-c',
      region: 'asia-southeast1',
      maxNodes: 300,
      gpuPools: [{ ...gpuPool, zones: ['asia-southeast1-a', 'asia-southeast1-b'] }],
    });
  });
  const after = synthFleet(fleet);
  assert.ok(
    Testing.toHaveResourceWithProperties(after.json, 'google_compute_subnetwork', {
      region: 'asia-southeast1',
      ip_cidr_range: '10.0.48.0/20',
      secondary_ip_range: [
        { range_name: 'worker-c-pods', ip_cidr_range: '10.16.0.0/14' },
        { range_name: 'worker-c-services', ip_cidr_range: '10.1.48.0/20' },
      ],
    }),
  );
  assert.ok(Testing.toHaveResourceWithProperties(after.json, 'google_compute_router_nat', { region: 'asia-southeast1' }));
  assert.ok(Testing.toHaveResourceWithProperties(after.json, 'google_container_cluster', { name: 'worker-c', location: 'asia-southeast1' }));
  const cluster = after.ref(after.stack.workers.clusters['worker-c']!.cluster.name);
  for (const [name, max] of [
    ['batch', 300],
    ['l4', 8],
  ] as const) {
    assert.ok(
      Testing.toHaveResourceWithProperties(after.json, 'google_container_node_pool', {
        cluster,
        name,
        autoscaling: { total_min_node_count: 0, total_max_node_count: max },
      }),
      name,
    );
  }
  const outputs = (JSON.parse(after.json) as { output: Record<string, { value: Record<string, string> }> }).output;
  assert.deepEqual(Object.keys(outputs.cluster_endpoints!.value), ['worker-a', 'worker-b', 'worker-c']);

  for (const type of [
    'google_container_cluster',
    'google_container_node_pool',
    'google_compute_subnetwork',
    'google_pubsub_subscription',
    'google_cloudfunctions2_function',
  ]) {
    const old = byName(before.parsed, type);
    const now = byName(after.parsed, type);
    for (const [path, body] of old) assert.equal(now.get(path), body, `${type} ${path} changed`);
  }
  assertPasses(after.parsed, fleet);
});

test('a GPU pool added to a cluster adds a Spot node pool with its accelerator and turns on DCGM metrics there', () => {
  const withoutGpu = fleetWith((raw) => (raw.clusters[1].gpuPools = []));
  const withGpu = fleetWith((raw) => (raw.clusters[1].gpuPools = [gpuPool]));
  const a = synthFleet(withoutGpu);
  const b = synthFleet(withGpu);
  const pools = (s: typeof a) =>
    Object.values(resources(s.parsed, 'google_container_node_pool'))
      .filter((p) => p.cluster === s.ref(s.stack.workers.clusters['worker-b']!.cluster.name))
      .map((p) => p.name)
      .sort();
  assert.deepEqual(pools(a), ['batch', 'system']);
  assert.deepEqual(pools(b), ['batch', 'l4', 'system']);
  assert.ok(
    Testing.toHaveResourceWithProperties(b.json, 'google_container_node_pool', {
      name: 'l4',
      node_config: {
        spot: true,
        machine_type: 'g2-standard-8',
        guest_accelerator: [{ type: 'nvidia-l4', count: 1, gpu_driver_installation_config: { gpu_driver_version: 'LATEST' } }],
      },
    }),
  );
  const components = (s: typeof a) =>
    Object.values(resources(s.parsed, 'google_container_cluster')).find((c) => c.name === 'worker-b')!.monitoring_config.enable_components;
  assert.deepEqual(components(a), ['SYSTEM_COMPONENTS']);
  assert.deepEqual(components(b), ['SYSTEM_COMPONENTS', 'DCGM']);
  assertPasses(b.parsed, withGpu);
});

test("a GPU pool's zones become its node locations; the batch pool spans every zone of the cluster", () => {
  const zones = ['europe-west4-a', 'europe-west4-c'];
  const fleet = fleetWith((raw) => (raw.clusters[1].gpuPools = [{ ...gpuPool, zones }]));
  const after = synthFleet(fleet);
  const pool = (name: string) =>
    Object.values(resources(after.parsed, 'google_container_node_pool')).find(
      (p) => p.name === name && p.cluster === after.ref(after.stack.workers.clusters['worker-b']!.cluster.name),
    )!;
  assert.deepEqual(pool('l4').node_locations, zones);
  assert.equal(pool('batch').node_locations, undefined, 'the batch pool spans every zone');
  assertPasses(after.parsed, fleet);
});

const badZones: Array<[string, unknown, RegExp]> = [
  ['a zone of another region', ['us-central1-a'], /zones\.0: zone us-central1-a is not in the cluster's region europe-west4/],
  ['a zone listed twice', ['europe-west4-b', 'europe-west4-b'], /zones\.1: zone europe-west4-b is listed twice/],
  ['a region, not a zone', ['europe-west4'], /a GCP zone such as us-central1-a/],
  ['an empty list', [], /zones: .*at least 1|zones: Too small/i],
];
for (const [label, zones, message] of badZones) {
  test(`a GPU pool naming ${label} is refused before anything is synthesized`, () => {
    assert.throws(() => fleetWith((raw) => (raw.clusters[1].gpuPools = [{ ...gpuPool, zones }])), message);
  });
}

test('the infra block sets the release channel, operator networks, dashboard viewers and alert channels', () => {
  const channel = `projects/${TEST_FLEET.project}/notificationChannels/1234567890`;
  const fleet = fleetWith((raw) => {
    raw.infra = {
      releaseChannel: 'STABLE',
      operatorNetworks: [{ cidr: '203.0.113.0/24', name: 'ops-vpn' }],
      dashboardInvokers: ['group:risk-desk@example.com'],
      alertNotificationChannels: [channel],
      reconcileSchedule: '*/10 * * * *',
    };
  });
  const after = synthFleet(fleet);
  const clusters = Object.values(resources(after.parsed, 'google_container_cluster'));
  assert.equal(clusters.length, 1 + TEST_FLEET.clusters.length);
  for (const cluster of clusters) {
    assert.equal(cluster.release_channel.channel, 'STABLE', cluster.name);
    assert.deepEqual(
      cluster.master_authorized_networks_config.cidr_blocks,
      [
        { cidr_block: '10.2.0.0/28', display_name: 'altus-functions' },
        { cidr_block: '203.0.113.0/24', display_name: 'ops-vpn' },
      ],
      cluster.name,
    );
  }
  assert.ok(
    Testing.toHaveResourceWithProperties(after.json, 'google_cloud_run_v2_service_iam_member', {
      name: after.ref(after.stack.functions.byName.dashboard.name),
      role: 'roles/run.invoker',
      member: 'group:risk-desk@example.com',
    }),
  );
  const policies = Object.values(resources(after.parsed, 'google_monitoring_alert_policy'));
  assert.ok(policies.length >= 2);
  for (const policy of policies) assert.deepEqual(policy.notification_channels, [channel], policy.display_name);
  assert.ok(Testing.toHaveResourceWithProperties(after.json, 'google_cloud_scheduler_job', { schedule: '*/10 * * * *' }));
  assertPasses(after.parsed, fleet);
});

test('a second cluster in an existing region shares its subnet with its own secondary ranges', () => {
  const fleet = fleetWith((raw) => raw.clusters.push({ ...raw.clusters[0], name: 'worker-a2', gpuPools: [] }));
  const after = synthFleet(fleet);
  assert.equal(Object.keys(resources(after.parsed, 'google_compute_subnetwork')).length, 3);
  const central = Object.values(resources(after.parsed, 'google_compute_subnetwork')).find((s) => s.region === 'us-central1')!;
  assert.deepEqual(
    central.secondary_ip_range.map((r: { range_name: string }) => r.range_name),
    ['worker-a-pods', 'worker-a-services', 'worker-a2-pods', 'worker-a2-services'],
  );
  assertPasses(after.parsed, fleet);
});

test('spot: false in the configuration gives an untainted on-demand batch pool', () => {
  const fleet = fleetWith((raw) => (raw.clusters[0].spot = false));
  const after = synthFleet(fleet);
  const pool = Object.values(resources(after.parsed, 'google_container_node_pool')).find(
    (p) => p.name === 'batch' && p.cluster === after.ref(after.stack.workers.clusters['worker-a']!.cluster.name),
  )!;
  assert.equal(pool.node_config.spot, false);
  assert.equal(pool.node_config.taint, undefined);
  assertPasses(after.parsed, fleet);
  assert.equal(TEST_FLEET.clusters[0]!.spot, true);
});
