/**
 * Identities can do exactly what they must: one service account per function
 * and one for worker pods, each granted only its catalog's access on the
 * narrowest resource; no basic roles, no keys.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Testing } from 'cdktf';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { FleetConfigError } from '../../shared/fleet-config.ts';
import { FUNCTIONS, INFRA_TOPIC_IDS, type InfraTopicRole } from '../../infra/function-catalog.ts';
import { TEST_FLEET, fleetWith, resources, synthFleet } from './fleet-fixture.ts';

const { stack, json, parsed, ref } = synthFleet();
const project = TEST_FLEET.project;
const has = (type: string, properties: Record<string, unknown>) =>
  assert.ok(Testing.toHaveResourceWithProperties(json, type, properties), `no ${type} with ${JSON.stringify(properties, null, 1)}`);
const grantsOf = (type: string, member: string) => Object.values(resources(parsed, type)).filter((g) => g.member === member);

test('a service account per function, one for worker pods, one for nodes; no keys anywhere', () => {
  const ids = Object.values(resources(parsed, ServiceAccount.tfResourceType)).map((a) => a.account_id);
  for (const spec of FUNCTIONS) assert.ok(ids.includes(`altus-${spec.name}`), spec.name);
  assert.ok(ids.includes(TEST_FLEET.workerServiceAccount.google));
  assert.ok(ids.includes('altus-nodes'));
  assert.equal(new Set(ids).size, ids.length, 'an account is shared');
  assert.deepEqual(resources(parsed, 'google_service_account_key'), {});
});

test('worker pods: Workload Identity from their Kubernetes service account, bucket-level object access, completions publisher', () => {
  const { namespace } = TEST_FLEET;
  has('google_service_account_iam_member', {
    service_account_id: ref(stack.identity.worker.name),
    role: 'roles/iam.workloadIdentityUser',
    member: `serviceAccount:${project}.svc.id.goog[${namespace}/${TEST_FLEET.workerServiceAccount.kubernetes}]`,
  });
  const worker = ref(stack.identity.worker.member);
  has('google_storage_bucket_iam_member', { bucket: ref(stack.storage.results.name), role: 'roles/storage.objectCreator', member: worker });
  has('google_pubsub_topic_iam_member', { topic: ref(stack.messaging.topics.completions.name), role: 'roles/pubsub.publisher', member: worker });
  assert.deepEqual(grantsOf('google_project_iam_member', worker), [], 'worker pods have a project-level role');
  assert.equal(grantsOf('google_pubsub_topic_iam_member', worker).length, 1);
});

test('each function publishes only to the topics its catalog entry names, topic by topic', () => {
  for (const spec of FUNCTIONS) {
    const member = ref(stack.identity.functions[spec.name].member);
    const topics = grantsOf('google_pubsub_topic_iam_member', member).map((g) => g.topic as string);
    const expected = spec.access.publishes.map((role: InfraTopicRole) => ref(stack.messaging.topics[role].name));
    assert.deepEqual(topics.sort(), expected.sort(), spec.name);
  }
  // Spot-check the shape of the pipeline: collect feeds aggregate and nothing else (besides parking poison messages).
  assert.deepEqual(FUNCTIONS.find((f) => f.name === 'collect')?.access.publishes, ['aggregate', 'deadLetter']);
  assert.equal(INFRA_TOPIC_IDS.aggregate, 'altus-aggregate');
});

const functionsDir = fileURLToPath(new URL('../../functions/', import.meta.url));
/** Functions whose entry wraps the handler in the poison guard, which parks messages on the dead-letter topic itself. */
const guarded = FUNCTIONS.filter((f) => /\bguard(PubSub|StorageEvent)\(/.test(readFileSync(`${functionsDir}${f.name}/index.ts`, 'utf8'))).map((f) => f.name);

test('every function behind the poison guard may publish to the dead-letter topic, and only to that one topic of it', () => {
  assert.deepEqual(guarded.sort(), ['aggregate', 'collect', 'dispatch', 'ingest', 'reconcile', 'run-request']);
  const deadLetter = ref(stack.messaging.topics.deadLetter.name);
  for (const spec of FUNCTIONS) {
    const member = ref(stack.identity.functions[spec.name].member);
    const grants = grantsOf('google_pubsub_topic_iam_member', member).filter((g) => g.topic === deadLetter);
    assert.deepEqual(
      grants.map((g) => g.role),
      guarded.includes(spec.name) ? ['roles/pubsub.publisher'] : [],
      `${spec.name} ${guarded.includes(spec.name) ? 'cannot park a poison message' : 'may publish to the dead-letter topic'}`,
    );
  }
});

test('project-level roles are only those with no narrower resource, and no basic role', () => {
  const allowed: Record<string, string[]> = {
    'roles/datastore.user': FUNCTIONS.filter((f) => f.access.firestore === 'read-write').map((f) => ref(stack.identity.functions[f.name].member)),
    'roles/datastore.viewer': [ref(stack.identity.functions.dashboard.member)],
    'roles/container.clusterViewer': [ref(stack.identity.functions.dispatch.member), ref(stack.identity.functions.reconcile.member)],
    // The bootstrap function creates the fleet bootstrap's objects; GKE has no narrower IAM than the project.
    'roles/container.admin': [ref(stack.identity.functions.bootstrap.member)],
    'roles/eventarc.eventReceiver': [ref(stack.identity.eventarcTrigger.member)],
    'roles/pubsub.publisher': [`serviceAccount:${ref(stack.identity.serviceAgents.storage)}`],
    'roles/container.defaultNodeServiceAccount': [ref(stack.identity.nodes.member)],
    'roles/logging.logWriter': [ref(stack.identity.functionsBuild.member), ref(stack.identity.imageBuild.member)],
    // Cloud Functions builds from its own gcf-v2-sources-<number>-<region> bucket (provider issue 20571).
    'roles/storage.objectViewer': [ref(stack.identity.functionsBuild.member)],
    'roles/eventarc.serviceAgent': [`serviceAccount:${ref(stack.identity.serviceAgents.eventarc)}`],
  };
  const granted = Object.values(resources(parsed, 'google_project_iam_member'));
  for (const g of granted) {
    assert.ok(allowed[g.role]?.includes(g.member), `unexpected project-level ${g.role} for ${g.member}`);
  }
  const expectedCount = Object.values(allowed).reduce((n, members) => n + members.length, 0);
  assert.equal(granted.length, expectedCount);
});

test('invokers: the push invoker on each Pub/Sub-driven function, the Eventarc identity on ingest, nobody on the dashboard by default', () => {
  const invokers = Object.values(resources(parsed, 'google_cloud_run_v2_service_iam_member'));
  for (const spec of FUNCTIONS) {
    const members = invokers.filter((g) => g.name === ref(stack.functions.byName[spec.name].name)).map((g) => `${g.role} ${g.member}`);
    const expected =
      spec.trigger.kind === 'push'
        ? [`roles/run.invoker ${ref(stack.identity.pushInvoker.member)}`]
        : spec.trigger.kind === 'storage'
          ? [`roles/run.invoker ${ref(stack.identity.eventarcTrigger.member)}`]
          : [];
    assert.deepEqual(members, expected, spec.name);
  }
});

test('the Pub/Sub service agent may sign push tokens as the invoker and move messages to the dead-letter topic', () => {
  const agent = `serviceAccount:${ref(stack.identity.serviceAgents.pubsub)}`;
  has('google_service_account_iam_member', {
    service_account_id: ref(stack.identity.pushInvoker.name),
    role: 'roles/iam.serviceAccountTokenCreator',
    member: agent,
  });
  has('google_pubsub_topic_iam_member', { topic: ref(stack.messaging.topics.deadLetter.name), role: 'roles/pubsub.publisher', member: agent });
  for (const subscription of Object.values(stack.messaging.pushSubscriptions)) {
    has('google_pubsub_subscription_iam_member', { subscription: ref(subscription.name), role: 'roles/pubsub.subscriber', member: agent });
  }
});

test('dashboard viewers are named people or groups; allUsers is refused before anything is synthesized', () => {
  const withViewers = synthFleet(fleetWith((raw) => (raw.infra = { dashboardInvokers: ['group:risk-desk@example.com'] })));
  assert.ok(
    Testing.toHaveResourceWithProperties(withViewers.json, 'google_cloud_run_v2_service_iam_member', {
      name: withViewers.ref(withViewers.stack.functions.byName.dashboard.name),
      role: 'roles/run.invoker',
      member: 'group:risk-desk@example.com',
    }),
  );
  for (const member of ['allUsers', 'allAuthenticatedUsers']) {
    assert.throws(
      () => fleetWith((raw) => (raw.infra = { dashboardInvokers: [member] })),
      (e: Error) => e instanceof FleetConfigError && /would make the dashboard public/.test(e.message),
    );
  }
});
