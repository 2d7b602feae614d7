/**
 * The policy checks pass on the real stack (the build fails otherwise) and
 * each of them fails on a copy of it broken in exactly the way it guards
 * against, so none of them can pass by accident.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECKS, checkPolicies, formatViolations } from '../../infra/policy.ts';
import type { SynthesizedStack } from '../../infra/synthesized.ts';
import { DEFAULT_FLEET, fleetWith, synthFleet } from './fleet-fixture.ts';

const { parsed } = synthFleet();
const context = { fleet: DEFAULT_FLEET };

type Body = Record<string, any>;
type Stack = { resource: Record<string, Record<string, Body>> };

/** The first resource of `type` matching `where`, in `stack` (mutable). */
function find(stack: Stack, type: string, where: (body: Body) => boolean = () => true): Body {
  const found = Object.values(stack.resource[type] ?? {}).find(where);
  assert.ok(found, `no ${type} to break`);
  return found;
}
function add(stack: Stack, type: string, body: Body): void {
  stack.resource[type] = { ...stack.resource[type], broken: body };
}
function remove(stack: Stack, type: string, where: (body: Body) => boolean): void {
  const byName = stack.resource[type]!;
  const name = Object.keys(byName).find((n) => where(byName[n]!));
  assert.ok(name, `no ${type} to remove`);
  delete byName[name];
}
const workerCluster = (s: Stack) => find(s, 'google_container_cluster', (c) => c.name === 'worker-a');
const batchPool = (s: Stack) => find(s, 'google_container_node_pool', (p) => p.name === 'batch');
const pushSubscription = (s: Stack) => find(s, 'google_pubsub_subscription', (p) => p.name === 'altus-dispatch-push');

/** One way to break each check. */
const BREAKAGES: Record<string, (s: Stack) => void> = {
  CKV_GCP_114: (s) => (find(s, 'google_storage_bucket').public_access_prevention = 'inherited'),
  CKV_GCP_29: (s) => (find(s, 'google_storage_bucket').uniform_bucket_level_access = false),
  CKV_GCP_28: (s) => add(s, 'google_storage_bucket_iam_member', { bucket: 'b', role: 'roles/storage.objectViewer', member: 'allUsers' }),
  CKV_GCP_107: (s) => add(s, 'google_cloud_run_v2_service_iam_member', { name: 'altus-dashboard', role: 'roles/run.invoker', member: 'allUsers' }),
  CKV_GCP_117: (s) => add(s, 'google_project_iam_member', { project: 'p', role: 'roles/editor', member: 'serviceAccount:x@p.iam.gserviceaccount.com' }),
  CKV_GCP_41: (s) => add(s, 'google_project_iam_member', { project: 'p', role: 'roles/iam.serviceAccountUser', member: 'user:someone@example.com' }),
  ALTUS_NO_SA_KEYS: (s) => add(s, 'google_service_account_key', { service_account_id: 'x' }),
  CKV_GCP_25: (s) => delete workerCluster(s).private_cluster_config,
  CKV_GCP_69: (s) => (batchPool(s).node_config.workload_metadata_config.mode = 'GCE_METADATA'),
  CKV_GCP_71: (s) => (workerCluster(s).enable_shielded_nodes = false),
  CKV_GCP_68: (s) => (batchPool(s).node_config.shielded_instance_config.enable_secure_boot = false),
  CKV_GCP_12: (s) => delete workerCluster(s).datapath_provider,
  CKV_GCP_9: (s) => (batchPool(s).management.auto_repair = false),
  CKV_GCP_10: (s) => (batchPool(s).management.auto_upgrade = false),
  CKV_GCP_74: (s) => (find(s, 'google_compute_subnetwork').private_ip_google_access = false),
  CKV_GCP_26: (s) => delete find(s, 'google_compute_subnetwork').log_config,
  ALTUS_PUSH_OIDC: (s) => delete pushSubscription(s).push_config.oidc_token,
  ALTUS_PUSH_DEAD_LETTER: (s) => delete pushSubscription(s).dead_letter_policy,
  ALTUS_DEAD_LETTER_SUBSCRIBED: (s) => remove(s, 'google_pubsub_subscription', (b) => b.name === 'altus-dead-letter-records'),
  ALTUS_FUNCTION_FED: (s) => remove(s, 'google_pubsub_subscription', (b) => b.name === 'altus-completions-push'),
  ALTUS_SPOT_POOLS: (s) => (batchPool(s).node_config.spot = false),
};

const broken = (check: string): SynthesizedStack => {
  const copy = structuredClone(parsed) as Stack;
  BREAKAGES[check]!(copy);
  return copy;
};

test('the stack of the default fleet passes every check', () => {
  const violations = checkPolicies(parsed, context);
  assert.deepEqual(violations, [], formatViolations(violations));
});

test('every check has a breakage that proves it can fail', () => {
  assert.deepEqual(Object.keys(BREAKAGES).sort(), CHECKS.map((c) => c.id).sort());
});

for (const check of CHECKS) {
  test(`${check.id} fails the build: ${check.title}`, () => {
    const violations = checkPolicies(broken(check.id), context);
    assert.ok(violations.some((v) => v.check === check.id), `${check.id} did not fire; got: ${formatViolations(violations) || 'nothing'}`);
  });
}

test('ALTUS_FUNCTION_FED names the function left without its push subscription', () => {
  const violations = checkPolicies(broken('ALTUS_FUNCTION_FED'), context).filter((v) => v.check === 'ALTUS_FUNCTION_FED');
  assert.equal(violations.length, 1);
  assert.match(violations[0]!.resource, /^google_cloudfunctions2_function\.functions_collect_/);
});

test('a cluster configured with spot: false gets an on-demand batch pool that passes; a Spot one would not', () => {
  const onDemand = fleetWith((raw) => (raw.clusters[1].spot = false));
  const synthesized = synthFleet(onDemand).parsed;
  assert.deepEqual(checkPolicies(synthesized, { fleet: onDemand }), []);
  // The same JSON judged against the default (all-Spot) configuration is a violation.
  assert.ok(checkPolicies(synthesized, context).some((v) => v.check === 'ALTUS_SPOT_POOLS'));
  // And a Spot pool where the configuration asks for on-demand is one too.
  assert.ok(checkPolicies(parsed, { fleet: onDemand }).some((v) => v.check === 'ALTUS_SPOT_POOLS' && /spot: false/.test(v.message)));
});

test('the on-demand system pool passes only while it stays small and without accelerators', () => {
  const copy = structuredClone(parsed) as Stack;
  find(copy, 'google_container_node_pool', (p) => p.name === 'system').autoscaling.total_max_node_count = 50;
  assert.ok(checkPolicies(copy, context).some((v) => v.check === 'ALTUS_SPOT_POOLS' && /system pool/.test(v.message)));
});

test('a basic role hidden in a policy document is found too', () => {
  const copy = structuredClone(parsed) as Stack;
  add(copy, 'google_project_iam_policy', { project: 'p', policy_data: JSON.stringify({ bindings: [{ role: 'roles/owner', members: ['user:a@example.com'] }] }) });
  assert.ok(checkPolicies(copy, context).some((v) => v.check === 'CKV_GCP_117'));
});
