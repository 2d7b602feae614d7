/**
 * The failures a first `cdktf deploy` on a fresh project would hit, each guarded
 * at synth: the test's name cites the provider issue or the Google page that
 * documents the failure, and asserts the ordering, wait, grant or setting that
 * prevents it. A real apply is the only full proof; these keep each fix from
 * being undone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ACCELERATOR_ZONES, ACCELERATOR_ZONES_SOURCE } from '../../infra/accelerator-zones.ts';
import { stackConfigFromFleet, StackConfigError } from '../../infra/config.ts';
import { FUNCTIONS } from '../../infra/function-catalog.ts';
import { referencesIn, type SynthesizedStack } from '../../infra/synthesized.ts';
import { SHIPPED_FLEET, TEST_FLEET, fleetWith, resources, synthFleet, type Synthesized } from './fleet-fixture.ts';

const synthesized = synthFleet();
const { stack, parsed, ref } = synthesized;
const project = TEST_FLEET.project;
const address = (token: string) => ref(token).replace(/^\$\{([^.]+\.[^.]+)\..*\}$/, '$1');

/** Every resource address `start` waits for, directly or through others (depends_on and references). */
function upstream(stackJson: SynthesizedStack, start: string): Set<string> {
  const bodies = new Map<string, unknown>();
  for (const [type, byName] of Object.entries(stackJson.resource ?? {})) for (const [name, body] of Object.entries(byName)) bodies.set(`${type}.${name}`, body);
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length) {
    const body = bodies.get(queue.pop()!) as { depends_on?: string[] } | undefined;
    if (!body) continue;
    const direct = [...referencesIn(body), ...(body.depends_on ?? []).map((d) => d.replace(/^\$\{|\}$/g, ''))];
    for (const next of direct) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}

const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN);
const sleeps = resources(parsed, 'time_sleep');
const sleepsBefore = (start: string) => [...upstream(parsed, start)].filter((a) => a.startsWith('time_sleep.')).map((a) => sleeps[a.split('.')[1]!]!);
const projectGrant = (role: string, member: string) =>
  Object.entries(resources(parsed, 'google_project_iam_member')).find(([, g]) => g.role === role && g.member === member)?.[0];

test('1. functions build (hashicorp/terraform-provider-google#20571; cloud.google.com/functions/docs/securing/build-custom-sa): the build account reads objects project-wide, and every function waits for its build and runtime grants', () => {
  const build = ref(stack.identity.functionsBuild.member);
  const buildGrants = ['roles/storage.objectViewer', 'roles/logging.logWriter'].map((role) => {
    const name = projectGrant(role, build);
    assert.ok(name, `the functions build account lacks project-level ${role}: the gcf-v2-sources bucket does not exist before the first deploy`);
    return `google_project_iam_member.${name}`;
  });
  const push = Object.entries(resources(parsed, 'google_artifact_registry_repository_iam_member')).find(
    ([, g]) => g.member === build && g.role === 'roles/artifactregistry.writer',
  );
  assert.ok(push, 'the build account cannot push the function images');
  for (const spec of FUNCTIONS) {
    const fn = address(stack.functions.byName[spec.name].name);
    const before = upstream(parsed, fn);
    for (const grant of [...buildGrants, `google_artifact_registry_repository_iam_member.${push[0]}`])
      assert.ok(before.has(grant), `${spec.name} does not wait for ${grant}`);
    const role = spec.access.firestore ? (spec.access.firestore === 'read' ? 'roles/datastore.viewer' : 'roles/datastore.user') : 'roles/container.admin';
    const runtime = projectGrant(role, ref(stack.identity.functions[spec.name].member));
    assert.ok(before.has(`google_project_iam_member.${runtime}`), `${spec.name} does not wait for its own runtime grant`);
  }
});

test('2. IAM propagation (cloud.google.com/iam/docs/access-change-propagation: up to minutes): functions start only after a wait that follows their grants, and waits exist only where Google documents a delay', () => {
  for (const spec of FUNCTIONS) {
    const waits = sleepsBefore(address(stack.functions.byName[spec.name].name));
    assert.ok(
      waits.some((w) => seconds(w.create_duration) >= 120),
      `${spec.name} is created without waiting for IAM to propagate`,
    );
  }
  const iamWait = address(stack.access.functionsMayStart.id);
  assert.ok(
    upstream(parsed, iamWait).has(`google_project_iam_member.${projectGrant('roles/storage.objectViewer', ref(stack.identity.functionsBuild.member))}`),
  );
  // One wait for IAM, one for the new service agents, one for the new log-based metric: not a sleep per resource.
  assert.equal(Object.keys(sleeps).length, 3);
});

test('3. Firebase Rules with end-user credentials (provider 6.x ignores the ADC quota project; registry.terraform.io/providers/hashicorp/google/latest/docs/guides/provider_reference#user_project_override): both providers bill the project itself', () => {
  const providers = (parsed as { provider?: Record<string, Array<Record<string, unknown>>> }).provider ?? {};
  for (const name of ['google', 'google-beta']) {
    const settings = providers[name]?.[0];
    assert.ok(settings, `no ${name} provider`);
    assert.equal(settings.user_project_override, true, `${name}: user_project_override is not set`);
    assert.equal(settings.billing_project, project, `${name}: billing_project is not the project`);
  }
  assert.ok(upstream(parsed, address(stack.state.release.name)).has(address(stack.state.ruleset.name)));
});

test('4. alert on a new log-based metric (hashicorp/terraform-provider-google#11102: "Cannot find metric(s)" for up to 10 minutes): the alert waits 10 minutes after the metric', () => {
  const alert = address(stack.alerts.failedRunsAlert.name);
  const metric = address(stack.alerts.failedRuns.name);
  const before = upstream(parsed, alert);
  assert.ok(before.has(metric));
  const wait = sleepsBefore(alert).find((w) => referencesIn(w.triggers).includes(metric));
  assert.ok(wait, 'no wait keyed to the metric stands between it and the alert');
  assert.ok(seconds(wait.create_duration) >= 600, `the alert waits ${wait.create_duration}, not the documented 10 minutes`);
  assert.equal(upstream(parsed, address(stack.alerts.deadLettered.name)).has(metric), false, 'the dead-letter alert, on a built-in metric, need not wait');
});

test('5. service agents (registry.terraform.io/providers/hashicorp/google/latest/docs/resources/project_service_identity): the Pub/Sub and Eventarc agents are created with google-beta first, their grants and the Eventarc trigger wait for them', () => {
  const identities = Object.entries(resources(parsed, 'google_project_service_identity'));
  assert.deepEqual(identities.map(([, r]) => r.service).sort(), ['eventarc.googleapis.com', 'pubsub.googleapis.com']);
  for (const [, r] of identities) assert.equal(r.provider, 'google-beta');
  const agentGrants = [
    ...Object.entries(resources(parsed, 'google_service_account_iam_member'))
      .filter(([, g]) => g.member === `serviceAccount:${ref(stack.identity.serviceAgents.pubsub)}`)
      .map(([n]) => `google_service_account_iam_member.${n}`),
    `google_project_iam_member.${projectGrant('roles/eventarc.serviceAgent', `serviceAccount:${ref(stack.identity.serviceAgents.eventarc)}`)}`,
  ];
  assert.equal(agentGrants.length, 2);
  for (const grant of agentGrants) {
    const waits = sleepsBefore(grant);
    assert.ok(waits.length === 1 && seconds(waits[0]!.create_duration) >= 60, `${grant} does not wait for the new agents`);
    for (const [name] of identities) assert.ok(upstream(parsed, grant).has(`google_project_service_identity.${name}`));
  }
  const ingest = upstream(parsed, address(stack.functions.byName.ingest.name));
  for (const grant of agentGrants) assert.ok(ingest.has(grant), `the Eventarc trigger of ingest does not wait for ${grant}`);
});

test(`6. GPU pools without zones (${ACCELERATOR_ZONES_SOURCE.page}, recorded ${ACCELERATOR_ZONES_SOURCE.recorded}): every pool names zones offering its accelerator, or the synth fails naming the zones that do`, () => {
  const options = { firestoreRules: '' };
  const refuse = (edit: (raw: Record<string, any>) => void, message: RegExp) =>
    assert.throws(
      () => stackConfigFromFleet(fleetWith(edit), options),
      (e: Error) => e instanceof StackConfigError && message.test(e.message),
    );
  refuse((raw) => delete raw.clusters[1].gpuPools[0].zones, /GPU pool "a100" of cluster worker-b names no zones.*europe-west4-a, europe-west4-b/);
  refuse(
    (raw) => (raw.clusters[1].gpuPools[0].zones = ['europe-west4-a', 'europe-west4-c']),
    /europe-west4-c does not offer nvidia-tesla-a100; zones of europe-west4 with nvidia-tesla-a100: europe-west4-a, europe-west4-b/,
  );
  refuse((raw) => (raw.clusters[0].gpuPools[0].spot = false), /a3-highgpu-1g is sold only as Spot or flex-start VMs/);
  // A row the verification corrected (infra/accelerator-zones.ts header): europe-west4-a has no A3 H100 machine type.
  refuse(
    (raw) => Object.assign(raw.clusters[1].gpuPools[0], { acceleratorType: 'nvidia-h100-80gb', machineType: 'a3-highgpu-1g', zones: ['europe-west4-a'] }),
    /europe-west4-a does not offer nvidia-h100-80gb; zones of europe-west4 with nvidia-h100-80gb: europe-west4-b, europe-west4-c/,
  );
  // The shipped configuration (read on purpose, not the test fixture) deploys: its pools name zones
  // that have their accelerators, and those become node locations.
  const shipped = synthFleet(SHIPPED_FLEET);
  for (const cluster of SHIPPED_FLEET.clusters) {
    for (const gpu of cluster.gpuPools) {
      assert.ok(
        gpu.zones?.every((z) => ACCELERATOR_ZONES[gpu.acceleratorType].includes(z)),
        `${cluster.name}/${gpu.name}`,
      );
      assert.deepEqual(
        resources(shipped.parsed, 'google_container_node_pool')[shipped.stack.workers.clusters[cluster.name]!.pools[gpu.name]!.friendlyUniqueId]!
          .node_locations,
        gpu.zones,
      );
    }
  }
});

test('7. concurrent VPC peerings ("peering operation in progress"; cloud.google.com/kubernetes-engine/docs/concepts/network-isolation): no control plane is peered, each is a Private Service Connect endpoint; the connector stays', () => {
  for (const [name, cluster] of Object.entries(resources(parsed, 'google_container_cluster'))) {
    assert.equal(cluster.private_cluster_config.master_ipv4_cidr_block, undefined, `${name} asks for a peered control plane`);
    assert.equal(cluster.private_cluster_config.enable_private_endpoint, true);
  }
  assert.equal(Object.keys(resources(parsed, 'google_vpc_access_connector')).length, 1);
});

test('8. quota-sized defaults (cloud.google.com/compute/resource-usage: SSD_TOTAL_GB per region): the throwaway default pool of each worker cluster boots from small standard disks; infra/README.md names the quotas a first deploy needs', () => {
  for (const cluster of TEST_FLEET.clusters) {
    const body = resources(parsed, 'google_container_cluster')[stack.workers.clusters[cluster.name]!.cluster.friendlyUniqueId]!;
    assert.equal(body.node_config.disk_type, 'pd-standard', `${cluster.name}: the default pool counts against SSD_TOTAL_GB`);
    assert.ok(body.node_config.disk_size_gb <= 20, `${cluster.name}: the default pool has ${body.node_config.disk_size_gb} GB disks`);
  }
  const readme = readFileSync(fileURLToPath(new URL('../../infra/README.md', import.meta.url)), 'utf8');
  for (const quota of ['CPUS_ALL_REGIONS', 'SSD_TOTAL_GB', 'PREEMPTIBLE_NVIDIA_H100_GPUS', 'PREEMPTIBLE_NVIDIA_A100_GPUS'])
    assert.match(readme, new RegExp(quota), `infra/README.md does not name ${quota}`);
});

/** The worker and hub cluster bodies of a synthesized stack. */
const clusters = (s: Synthesized) => Object.values(resources(s.parsed, 'google_container_cluster'));

test('lockdown: deletion protection on by default (a switch turns it off); DNS endpoints closed to outside traffic unless opted in, the hub always', () => {
  for (const c of clusters(synthesized)) {
    assert.equal(c.deletion_protection, true, c.name);
    assert.equal(c.control_plane_endpoints_config.dns_endpoint_config.allow_external_traffic, false, c.name);
    assert.equal(c.master_auth.client_certificate_config.issue_client_certificate, false, c.name);
  }
  const opened = synthFleet(fleetWith((raw) => (raw.infra = { deletionProtection: false, operatorDnsAccess: true })));
  for (const c of clusters(opened)) {
    assert.equal(c.deletion_protection, false, c.name);
    assert.equal(c.control_plane_endpoints_config.dns_endpoint_config.allow_external_traffic, c.name !== TEST_FLEET.hub.name, c.name);
  }
});

test("lockdown: Binary Authorization on every cluster admits only the configured registries and the worker image's repository", () => {
  for (const c of clusters(synthesized)) assert.equal(c.binary_authorization.evaluation_mode, 'PROJECT_SINGLETON_POLICY_ENFORCE', c.name);
  const policy = Object.values(resources(parsed, 'google_binary_authorization_policy'))[0]!;
  assert.equal(policy.default_admission_rule.evaluation_mode, 'ALWAYS_DENY');
  assert.equal(policy.global_policy_evaluation_mode, 'ENABLE');
  assert.deepEqual(
    policy.admission_whitelist_patterns.map((p: { name_pattern: string }) => p.name_pattern).sort(),
    [...new Set([`us-central1-docker.pkg.dev/${project}/altus/**`, ...TEST_FLEET.allowedImageRegistries.map((r) => `${r}**`)])].sort(),
  );
});

test('lockdown: Data Access audit logs for the buckets and Firestore; state in a GCS backend, not a local file', () => {
  const audited = Object.values(resources(parsed, 'google_project_iam_audit_config'));
  assert.deepEqual(audited.map((a) => a.service).sort(), ['datastore.googleapis.com', 'storage.googleapis.com']);
  for (const a of audited) assert.deepEqual(a.audit_log_config.map((c: { log_type: string }) => c.log_type).sort(), ['DATA_READ', 'DATA_WRITE']);
  const backend = (parsed as { terraform?: { backend?: Record<string, unknown> } }).terraform?.backend;
  assert.deepEqual(backend, { gcs: { bucket: `${project}-altus-tfstate`, prefix: 'altus/dev' } });
});

test('lockdown: *.googleapis.com resolves to private.googleapis.com inside the VPC, whose range is routed to Google (the worker egress policy admits only that range)', () => {
  const [zone] = Object.values(resources(parsed, 'google_dns_managed_zone'));
  assert.ok(zone);
  assert.equal(zone.dns_name, 'googleapis.com.');
  assert.equal(zone.visibility, 'private');
  assert.deepEqual(zone.private_visibility_config.networks, [{ network_url: ref(stack.network.vpc.id) }]);
  const records = Object.values(resources(parsed, 'google_dns_record_set'))
    .map((r) => `${r.name} ${r.type} ${r.rrdatas.join(',')}`)
    .sort();
  assert.deepEqual(records, [
    '*.googleapis.com. CNAME private.googleapis.com.',
    'private.googleapis.com. A 199.36.153.8,199.36.153.9,199.36.153.10,199.36.153.11',
  ]);
  const routes = Object.values(resources(parsed, 'google_compute_route'));
  assert.deepEqual(
    routes.map((r) => [r.dest_range, r.next_hop_gateway]),
    [['199.36.153.8/30', 'default-internet-gateway']],
  );
});

test('lockdown: with a dashboard domain, the dashboard sits behind an HTTPS load balancer with IAP and is reachable no other way; viewers come in through IAP', () => {
  const withIap = synthFleet(
    fleetWith((raw) => (raw.infra = { dashboardDomain: 'altus.risk.example.com', dashboardInvokers: ['group:risk-desk@example.com'] })),
  );
  const r = (type: string) => Object.values(resources(withIap.parsed, type));
  const dashboard = withIap.ref(withIap.stack.functions.byName.dashboard.name);
  const fn = r('google_cloudfunctions2_function').find((f) => f.name === 'altus-dashboard')!;
  assert.equal(fn.service_config.ingress_settings, 'ALLOW_INTERNAL_AND_GCLB');
  assert.deepEqual(r('google_compute_backend_service')[0]!.iap, { enabled: true });
  assert.deepEqual(r('google_compute_managed_ssl_certificate')[0]!.managed.domains, ['altus.risk.example.com']);
  assert.equal(r('google_compute_ssl_policy')[0]!.min_tls_version, 'TLS_1_2');
  assert.deepEqual(
    r('google_iap_web_backend_service_iam_member').map((g) => `${g.role} ${g.member}`),
    ['roles/iap.httpsResourceAccessor group:risk-desk@example.com'],
  );
  // The function's only invoker is IAP's service agent; the viewers hold no run.invoker on it.
  const invokers = r('google_cloud_run_v2_service_iam_member').filter((g) => g.name === dashboard);
  assert.equal(invokers.length, 1);
  assert.match(invokers[0]!.member, /^serviceAccount:\$\{google_project_service_identity\..*iap-agent.*\.email\}$/);
  const outputs = (JSON.parse(withIap.json) as { output: Record<string, { value: string }> }).output;
  assert.equal(outputs.dashboard_url!.value, 'https://altus.risk.example.com');
  // Without a domain there is no load balancer, and the viewers are invokers as before.
  assert.equal(Object.keys(resources(parsed, 'google_compute_backend_service')).length, 0);
});

test('terraform init (developer.hashicorp.com/terraform/language/syntax/json: meta-arguments take static references): every depends_on and replace_triggered_by entry is a bare address, in every variant of the stack', () => {
  // A "${…}" entry stops terraform init with "A single static variable reference is required" (depends_on) or
  // "Invalid character" (replace_triggered_by) before any plan or apply: it was in every stack until found by running init.
  const keyRings = Object.fromEntries(
    ['global', 'us-east1', 'us-central1', 'europe-west4'].map((l) => [l, `projects/altus-keys/locations/${l}/keyRings/altus`]),
  );
  const variants = [
    synthesized,
    synthFleet(
      fleetWith((raw) => (raw.infra = { kms: { keyRings }, dashboardDomain: 'altus.risk.example.com', dashboardInvokers: ['group:risk@example.com'] })),
    ),
  ];
  let checked = 0;
  for (const variant of variants) {
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((variant.parsed as Record<string, Record<string, Record<string, any>> | undefined>)[kind] ?? {})) {
        for (const [name, body] of Object.entries(byName)) {
          for (const entry of [...(body.depends_on ?? []), ...(body.lifecycle?.replace_triggered_by ?? [])]) {
            checked += 1;
            assert.match(entry, /^(data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+$/, `${type}.${name}: "${entry}" is not a static reference`);
          }
        }
      }
    }
  }
  assert.ok(checked > 500, `only ${checked} references checked`);
});
