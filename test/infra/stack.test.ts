/**
 * The synthesized stack of the default fleet has every resource the issue
 * names, with the properties it names. Synthesized once for the whole file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Testing } from 'cdktf';
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository/index.js';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job/index.js';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { ContainerCluster } from '@cdktf/provider-google/lib/container-cluster/index.js';
import { FirebaserulesRelease } from '@cdktf/provider-google/lib/firebaserules-release/index.js';
import { FirebaserulesRuleset } from '@cdktf/provider-google/lib/firebaserules-ruleset/index.js';
import { FirestoreDatabase } from '@cdktf/provider-google/lib/firestore-database/index.js';
import { LoggingMetric } from '@cdktf/provider-google/lib/logging-metric/index.js';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { VpcAccessConnector } from '@cdktf/provider-google/lib/vpc-access-connector/index.js';
import { TOPIC_IDS } from '../../shared/messages.ts';
import { planNetwork } from '../../infra/network-plan.ts';
import { TEST_FLEET, RULES_PATH, resources, synthFleet } from './fleet-fixture.ts';

const { stack, json, parsed, ref } = synthFleet();
const fleet = TEST_FLEET;
const project = fleet.project;
const has = (type: string, properties: Record<string, unknown>) =>
  assert.ok(Testing.toHaveResourceWithProperties(json, type, properties), `no ${type} with ${JSON.stringify(properties, null, 1)}`);

test("network: custom VPC, a subnet per region with Private Google Access and the clusters' secondary ranges, Cloud NAT per region", () => {
  has(ComputeNetwork.tfResourceType, { name: 'altus', auto_create_subnetworks: false });
  const regions = [fleet.hub.region, ...fleet.clusters.map((c) => c.region)];
  assert.equal(Object.keys(resources(parsed, ComputeSubnetwork.tfResourceType)).length, new Set(regions).size);
  const plan = planNetwork([fleet.hub, ...fleet.clusters]);
  for (const cluster of [fleet.hub, ...fleet.clusters]) {
    const ranges = plan.clusters[cluster.name]!;
    has(ComputeSubnetwork.tfResourceType, {
      region: cluster.region,
      network: ref(stack.network.vpc.id),
      private_ip_google_access: true,
      secondary_ip_range: [
        { range_name: `${cluster.name}-pods`, ip_cidr_range: ranges.podsCidr },
        { range_name: `${cluster.name}-services`, ip_cidr_range: ranges.servicesCidr },
      ],
    });
  }
  for (const region of new Set(regions)) {
    has(ComputeRouterNat.tfResourceType, { region, source_subnetwork_ip_ranges_to_nat: 'ALL_SUBNETWORKS_ALL_IP_RANGES', nat_ip_allocate_option: 'AUTO_ONLY' });
  }
  has(VpcAccessConnector.tfResourceType, { region: fleet.hub.region, ip_cidr_range: '10.2.0.0/28' });
});

test('hub: an Autopilot cluster in the hub region with private nodes, a release channel and managed Prometheus', () => {
  has(ContainerCluster.tfResourceType, {
    name: fleet.hub.name,
    location: fleet.hub.region,
    enable_autopilot: true,
    private_cluster_config: { enable_private_nodes: true, enable_private_endpoint: true },
    release_channel: { channel: 'REGULAR' },
    monitoring_config: { managed_prometheus: { enabled: true } },
  });
});

test('workers: a Standard cluster per configured region with every hardening the issue lists', () => {
  for (const cluster of fleet.clusters) {
    has(ContainerCluster.tfResourceType, {
      name: cluster.name,
      location: cluster.region,
      remove_default_node_pool: true,
      workload_identity_config: { workload_pool: `${project}.svc.id.goog` },
      enable_shielded_nodes: true,
      private_cluster_config: { enable_private_nodes: true, master_global_access_config: { enabled: true } },
      // Network policy through Dataplane V2; image streaming by default on every pool.
      datapath_provider: 'ADVANCED_DATAPATH',
      node_pool_defaults: { node_config_defaults: { gcfs_config: { enabled: true } } },
      monitoring_config: {
        enable_components: cluster.gpuPools.length > 0 ? ['SYSTEM_COMPONENTS', 'DCGM'] : ['SYSTEM_COMPONENTS'],
        managed_prometheus: { enabled: true },
      },
      // The functions' egress range is admitted to the private control plane.
      master_authorized_networks_config: { cidr_blocks: [{ cidr_block: '10.2.0.0/28', display_name: 'altus-functions' }] },
    });
  }
});

test('workers: Spot batch pools and GPU pools autoscale from 0 to the configured max, on the dedicated node account', () => {
  const nodes = ref(stack.identity.nodes.email);
  const hardened = {
    service_account: nodes,
    shielded_instance_config: { enable_secure_boot: true },
    workload_metadata_config: { mode: 'GKE_METADATA' },
    gcfs_config: { enabled: true },
  };
  for (const cluster of fleet.clusters) {
    const name = ref(stack.workers.clusters[cluster.name]!.cluster.name);
    has('google_container_node_pool', {
      cluster: name,
      name: 'batch',
      autoscaling: { total_min_node_count: 0, total_max_node_count: cluster.maxNodes },
      management: { auto_repair: true, auto_upgrade: true },
      node_config: { ...hardened, machine_type: cluster.machineType, spot: cluster.spot },
    });
    for (const gpu of cluster.gpuPools) {
      has('google_container_node_pool', {
        cluster: name,
        name: gpu.name,
        autoscaling: { total_min_node_count: 0, total_max_node_count: gpu.maxNodes },
        management: { auto_repair: true, auto_upgrade: true },
        node_config: {
          ...hardened,
          machine_type: gpu.machineType,
          spot: gpu.spot,
          guest_accelerator: [{ type: gpu.acceleratorType, count: gpu.acceleratorCount }],
        },
      });
    }
  }
});

test("workers: the system pool is one on-demand node in one zone at idle, as the README's idle cost assumes", () => {
  const readme = readFileSync(fileURLToPath(new URL('../../infra/README.md', import.meta.url)), 'utf8');
  const row = /^\| worker `system` pool: (\d+) × ([a-z0-9-]+) on demand \+ (\d+) GB [^|]*\| ~(\d+)/m.exec(readme);
  assert.ok(row, 'the idle cost table has no system pool row');
  const [, nodes, machineType, diskGb] = row;
  for (const cluster of fleet.clusters) {
    const worker = stack.workers.clusters[cluster.name]!;
    const pool = resources(parsed, 'google_container_node_pool')[worker.pools.system!.friendlyUniqueId]!;
    // initial_node_count is per zone of the pool: one zone, so the pool starts with exactly that many nodes.
    assert.equal(pool.node_locations.length, 1, `${cluster.name}: the system pool spans every zone`);
    const clusterAddress = ref(worker.cluster.name).replace(/^\$\{(.*)\.name\}$/, '$1');
    assert.equal(pool.node_locations[0], `\${element(sort(tolist(${clusterAddress}.node_locations)), 0)}`, "the zone is not the first of the cluster's own");
    assert.equal(pool.initial_node_count * pool.node_locations.length, Number(nodes));
    assert.equal(pool.autoscaling.total_min_node_count, Number(nodes));
    assert.equal(pool.node_config.spot, false);
    assert.equal(pool.node_config.machine_type, machineType);
    assert.equal(pool.node_config.disk_size_gb, Number(diskGb));
  }
});

test('messaging: a topic per stage, the shared message topic ids plus altus-reconcile', () => {
  for (const name of [...Object.values(TOPIC_IDS), 'altus-reconcile']) has(PubsubTopic.tfResourceType, { name, project });
});

const pushWiring = [
  { fn: 'run-request', topic: 'runRequests', ackDeadlineSeconds: 120 },
  { fn: 'dispatch', topic: 'dispatch', ackDeadlineSeconds: 60 },
  { fn: 'collect', topic: 'completions', ackDeadlineSeconds: 30 },
  { fn: 'aggregate', topic: 'aggregate', ackDeadlineSeconds: 600 },
  { fn: 'reconcile', topic: 'reconcile', ackDeadlineSeconds: 300 },
] as const;

for (const { fn, topic, ackDeadlineSeconds } of pushWiring) {
  test(`messaging: ${fn} is fed by an OIDC push subscription with dead-letter and retry policies, ack deadline ${ackDeadlineSeconds} s`, () => {
    const topicId = topic === 'reconcile' ? 'altus-reconcile' : TOPIC_IDS[topic];
    const url = ref(stack.functions.byName[fn].serviceConfig.uri);
    has(PubsubSubscription.tfResourceType, {
      name: `${topicId}-push`,
      topic: ref(stack.messaging.topics[topic].id),
      ack_deadline_seconds: ackDeadlineSeconds,
      // As the local stack wires the emulator: the path names the topic.
      push_config: {
        push_endpoint: `${url}/projects/${project}/topics/${topicId}`,
        oidc_token: { service_account_email: ref(stack.identity.pushInvoker.email), audience: url },
      },
      dead_letter_policy: { dead_letter_topic: ref(stack.messaging.topics.deadLetter.id) },
      retry_policy: { minimum_backoff: '10s', maximum_backoff: '600s' },
      expiration_policy: { ttl: '' },
    });
    const functionTimeout = resources(parsed, 'google_cloudfunctions2_function')[stack.functions.byName[fn].friendlyUniqueId]?.service_config.timeout_seconds;
    assert.ok(functionTimeout <= ackDeadlineSeconds, `${fn} may still run when Pub/Sub redelivers`);
  });
}

test('messaging: the dead-letter and run-finished topics keep their messages in pull subscriptions; Cloud Scheduler ticks reconcile', () => {
  has(PubsubSubscription.tfResourceType, { name: 'altus-dead-letter-records', topic: ref(stack.messaging.topics.deadLetter.id) });
  has(PubsubSubscription.tfResourceType, { name: 'altus-run-finished-records', topic: ref(stack.messaging.topics.runFinished.id) });
  has(CloudSchedulerJob.tfResourceType, { region: fleet.hub.region, pubsub_target: { topic_name: ref(stack.messaging.topics.reconcile.id) } });
});

test('storage: private, versioned buckets; results aged to Nearline then deleted', () => {
  const privateBucket = { uniform_bucket_level_access: true, public_access_prevention: 'enforced', force_destroy: false, versioning: { enabled: true } };
  has(StorageBucket.tfResourceType, { ...privateBucket, name: `${project}-altus-manifests` });
  has(StorageBucket.tfResourceType, { ...privateBucket, name: `${project}-altus-results` });
  has(StorageBucket.tfResourceType, { ...privateBucket, name: `${project}-altus-sources` });
  const results = resources(parsed, StorageBucket.tfResourceType)[stack.storage.results.friendlyUniqueId]!;
  const actions = (
    results.lifecycle_rule as Array<{ action: { type: string; storage_class?: string }; condition: { age?: number; days_since_noncurrent_time?: number } }>
  ).map(
    (r) =>
      `${r.action.type}${r.action.storage_class ? `:${r.action.storage_class}` : ''}@${r.condition.age ?? `noncurrent ${r.condition.days_since_noncurrent_time}`}`,
  );
  assert.deepEqual(actions, ['Delete@noncurrent 30', 'SetStorageClass:NEARLINE@30', 'Delete@90', 'AbortIncompleteMultipartUpload@7']);
});

test('state: Firestore in native mode in the hub region, with the deny-all rules file released', () => {
  has(FirestoreDatabase.tfResourceType, { name: '(default)', type: 'FIRESTORE_NATIVE', location_id: fleet.hub.region });
  has(FirebaserulesRuleset.tfResourceType, { source: { files: [{ name: 'firestore.rules', content: readFileSync(RULES_PATH, 'utf8') }] } });
  has(FirebaserulesRelease.tfResourceType, { name: 'cloud.firestore', ruleset_name: `projects/${project}/rulesets/${ref(stack.state.ruleset.name)}` });
});

test("registry: the repository the fleet configuration's worker image names", () => {
  has(ArtifactRegistryRepository.tfResourceType, { repository_id: 'altus', location: 'us-central1', format: 'DOCKER' });
  assert.match(fleet.workerImage, /^us-central1-docker\.pkg\.dev\/altus-demo-project\/altus\/worker[:@]/);
});

test('alerts: dead-lettered messages and failed runs', () => {
  has(LoggingMetric.tfResourceType, { name: 'altus/failed_runs' });
  has(MonitoringAlertPolicy.tfResourceType, { display_name: 'Altus: messages dead-lettered' });
  has(MonitoringAlertPolicy.tfResourceType, { display_name: 'Altus: failed runs' });
});

test('outputs: bucket names, topic names, cluster endpoints, the dashboard URL', () => {
  const outputs = (JSON.parse(json) as { output: Record<string, { value: unknown }> }).output;
  assert.equal(outputs.manifests_bucket?.value, ref(stack.storage.manifests.name));
  assert.equal(outputs.results_bucket?.value, ref(stack.storage.results.name));
  assert.deepEqual(Object.keys(outputs.topics?.value as object).sort(), Object.keys(TOPIC_IDS).sort());
  assert.deepEqual(
    Object.keys(outputs.cluster_endpoints?.value as object),
    fleet.clusters.map((c) => c.name),
  );
  assert.equal(outputs.dashboard_url?.value, ref(stack.functions.byName.dashboard.serviceConfig.uri));
});

test('apis: every resource and data source waits for the Google APIs the stack enables', () => {
  const types = Object.entries(parsed.resource ?? {}).filter(([type]) => type !== 'google_project_service' && type !== 'terraform_data');
  for (const [type, byName] of types) {
    for (const [name, body] of Object.entries(byName)) {
      assert.ok(
        (body.depends_on as string[] | undefined)?.some((d) => d.startsWith('terraform_data.apis_ready')),
        `${type}.${name} does not wait for the APIs`,
      );
    }
  }
  has('google_project_service', { service: 'container.googleapis.com', disable_on_destroy: false });
  const dataSources = Object.entries(parsed.data ?? {});
  assert.ok(dataSources.length > 0);
  for (const [type, byName] of dataSources) {
    for (const [name, body] of Object.entries(byName)) {
      assert.ok(
        (body.depends_on as string[] | undefined)?.some((d) => d.startsWith('terraform_data.apis_ready')),
        `data.${type}.${name} is read before the APIs are on`,
      );
    }
  }
});

const apisForFeatures: Array<[string, () => boolean, string[]]> = [
  [
    'image streaming on a node pool',
    () => Object.values(resources(parsed, 'google_container_node_pool')).some((p) => p.node_config?.gcfs_config?.enabled === true),
    ['containerfilesystem.googleapis.com'],
  ],
  [
    'Workload Identity on a cluster',
    () => Object.values(resources(parsed, ContainerCluster.tfResourceType)).some((c) => c.workload_identity_config?.workload_pool),
    ['iamcredentials.googleapis.com', 'sts.googleapis.com'],
  ],
  ['project-level IAM grants', () => Object.keys(resources(parsed, 'google_project_iam_member')).length > 0, ['cloudresourcemanager.googleapis.com']],
];
for (const [feature, used, apis] of apisForFeatures) {
  test(`apis: ${feature} has its APIs enabled, and the stack waits for them`, () => {
    assert.ok(used(), `the default fleet no longer uses ${feature}: this check proves nothing`);
    const ready = Object.entries(resources(parsed, 'terraform_data')).find(([name]) => name.startsWith('apis_ready'))?.[1];
    for (const api of apis) {
      const service = Object.entries(resources(parsed, 'google_project_service')).find(([, s]) => s.service === api)?.[0];
      assert.ok(service, `${api} is not enabled`);
      assert.ok((ready?.depends_on as string[] | undefined)?.includes(`google_project_service.${service}`), `the stack does not wait for ${api}`);
    }
  });
}
