/**
 * The project's own policy checks (Checkov runs the generic ones, see
 * checkov.test.ts) pass on the real stack (the build fails otherwise) and each
 * of them fails on a copy of it broken in exactly the way it guards against, so
 * none of them can pass by accident.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECKS, checkPolicies, formatViolations } from '../../infra/policy.ts';
import type { SynthesizedStack } from '../../infra/synthesized.ts';
import { SHIPPED_FLEET, TEST_FLEET, fleetWith, synthFleet } from './fleet-fixture.ts';

const { parsed } = synthFleet();
const context = { fleet: TEST_FLEET };

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
  ALTUS_NO_PUBLIC_INVOKER: (s) => add(s, 'google_cloud_run_v2_service_iam_member', { name: 'altus-dashboard', role: 'roles/run.invoker', member: 'allUsers' }),
  ALTUS_NO_SA_KEYS: (s) => add(s, 'google_service_account_key', { service_account_id: 'x' }),
  ALTUS_GKE_METADATA: (s) => (batchPool(s).node_config.workload_metadata_config.mode = 'GCE_METADATA'),
  ALTUS_NETWORK_POLICY: (s) => delete workerCluster(s).datapath_provider,
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

test('the stack of the test fleet passes every check', () => {
  const violations = checkPolicies(parsed, context);
  assert.deepEqual(violations, [], formatViolations(violations));
});

// Reads the shipped altus.config.json on purpose: what an operator deploys must pass too.
test('the stack of the shipped fleet configuration passes every check', () => {
  const violations = checkPolicies(synthFleet(SHIPPED_FLEET).parsed, { fleet: SHIPPED_FLEET });
  assert.deepEqual(violations, [], formatViolations(violations));
});

test('every check has a breakage that proves it can fail', () => {
  assert.deepEqual(Object.keys(BREAKAGES).sort(), CHECKS.map((c) => c.id).sort());
});

for (const check of CHECKS) {
  test(`${check.id} fails the build: ${check.title}`, () => {
    const violations = checkPolicies(broken(check.id), context);
    assert.ok(
      violations.some((v) => v.check === check.id),
      `${check.id} did not fire; got: ${formatViolations(violations) || 'nothing'}`,
    );
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
