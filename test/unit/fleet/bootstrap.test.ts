import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1ResourceQuota, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import { schemaProblems } from '../../../jobs/fleet/admission.ts';
import { BootstrapConfigError, buildBootstrap, multiplyQuantity, sameQuantity } from '../../../jobs/fleet/bootstrap.ts';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { functionAccountId } from '../../../infra/config.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { loadFleetConfig, parseFleetConfig, type FleetConfig } from '../../../shared/fleet-config.ts';
import { jobRequest } from '../../support/fleet-fixtures.ts';

const defaults = loadFleetConfig(TEST_FLEET_CONFIG);
const withChanges = (changes: Partial<FleetConfig>) => parseFleetConfig({ ...defaults, ...changes });
const third = { ...defaults.clusters[1]!, name: 'worker-c', region: 'asia-southeast1', maxParallelism: 800, gpuPools: [] };

const cases: Array<{ label: string; config: FleetConfig; quota: Record<string, Record<string, string>> }> = [
  {
    label: 'the default two-cluster configuration',
    config: defaults,
    quota: {
      'worker-a': { pods: '5000', 'requests.cpu': '5000', 'limits.cpu': '5000', 'requests.memory': '5000Gi', 'limits.memory': '5000Gi' },
      'worker-b': { pods: '5000', 'requests.cpu': '5000', 'limits.cpu': '5000', 'requests.memory': '5000Gi', 'limits.memory': '5000Gi' },
    },
  },
  {
    label: 'a third cluster with a smaller cap',
    config: withChanges({ clusters: [...defaults.clusters, third] }),
    quota: { 'worker-c': { pods: '800', 'requests.cpu': '800', 'limits.cpu': '800', 'requests.memory': '800Gi', 'limits.memory': '800Gi' } },
  },
  {
    label: 'a custom namespace, service accounts, priority class and fractional pod resources',
    config: withChanges({
      namespace: 'risk-batch',
      priorityClass: 'risk-low',
      workerServiceAccount: { kubernetes: 'risk-worker', google: 'risk-worker-gsa' },
      workerResources: { cpu: '500m', memory: '1.5Gi' },
    }),
    quota: { 'worker-b': { pods: '5000', 'requests.cpu': '2500000m', 'limits.cpu': '2500000m', 'requests.memory': '7500Gi', 'limits.memory': '7500Gi' } },
  },
];

const ofKind = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string) => objects.filter((o) => o.kind === kind) as T[];

for (const c of cases) {
  test(`bootstrap of ${c.label}: schema-valid objects per cluster, namespaced RBAC for dispatch and reconcile, Workload Identity, quota`, () => {
    const { config } = c;
    const plan = buildBootstrap(config);
    assert.deepEqual(
      plan.map((p) => p.cluster),
      config.clusters.map((k) => k.name),
    );
    const dispatch = `altus-dispatch@${config.project}.iam.gserviceaccount.com`;
    const reconcile = `altus-reconcile@${config.project}.iam.gserviceaccount.com`;
    for (const { cluster, objects } of plan) {
      for (const object of objects) assert.deepEqual(schemaProblems(object), [], `${cluster}: ${object.kind}`);
      assert.deepEqual(
        objects.map((o) => o.kind),
        ['Namespace', 'ResourceQuota', 'ServiceAccount', 'PriorityClass', 'Role', 'RoleBinding', 'Role', 'RoleBinding'],
      );
      assert.equal(objects[0]!.metadata?.name, config.namespace, 'the namespace comes first: the rest live in it');

      // Nothing cluster-wide except the namespace itself and the PriorityClass; no ClusterRole or ClusterRoleBinding.
      const clusterScoped = objects.filter((o) => o.metadata?.namespace === undefined).map((o) => `${o.apiVersion} ${o.kind} ${o.metadata?.name}`);
      assert.deepEqual(clusterScoped, [`v1 Namespace ${config.namespace}`, `scheduling.k8s.io/v1 PriorityClass ${config.priorityClass}`]);
      for (const o of objects.filter((x) => x.metadata?.namespace !== undefined)) assert.equal(o.metadata?.namespace, config.namespace);

      const [account] = ofKind<V1ServiceAccount>(objects, 'ServiceAccount');
      assert.equal(account!.metadata?.name, config.workerServiceAccount.kubernetes);
      assert.deepEqual(account!.metadata?.annotations, {
        'iam.gke.io/gcp-service-account': `${config.workerServiceAccount.google}@${config.project}.iam.gserviceaccount.com`,
      });

      // One Role per identity, each bound to that identity alone.
      const roles = ofKind<V1Role>(objects, 'Role');
      const verbs = (role: V1Role) =>
        Object.fromEntries(role.rules!.flatMap((r) => r.resources!.map((res) => [`${r.apiGroups!.join()}/${res}`, [...r.verbs].sort()])));
      assert.deepEqual(roles.map(verbs), [
        { 'batch/jobs': ['create', 'get'] },
        { 'batch/jobs': ['delete', 'get', 'list'], '/pods': ['list'], '/events': ['list'] },
      ]);
      for (const role of roles) assert.ok(!JSON.stringify(role.rules).includes('*'), 'no wildcard');
      const bindings = ofKind<V1RoleBinding>(objects, 'RoleBinding');
      assert.deepEqual(
        bindings.map((b) => b.roleRef.name),
        roles.map((r) => r.metadata?.name),
      );
      assert.deepEqual(
        bindings.map((b) => b.subjects),
        [[{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: dispatch }], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: reconcile }]],
      );

      const expected = c.quota[cluster];
      if (expected) assert.deepEqual(ofKind<V1ResourceQuota>(objects, 'ResourceQuota')[0]!.spec?.hard, expected, `${cluster} quota`);
    }
  });
}

test('the Jobs dispatch builds run as the bootstrapped service account, at the bootstrapped priority, and a full-width Job fits the quota', () => {
  const config = cases[2]!.config;
  for (const cluster of config.clusters) {
    const job = buildJob(jobRequest({ fleet: config, cluster, shards: { offset: 0, count: 100_000 } }));
    const objects = buildBootstrap(config).find((p) => p.cluster === cluster.name)!.objects;
    const pod = job.spec!.template.spec!;
    assert.equal(job.metadata?.namespace, objects[0]!.metadata?.name);
    assert.equal(pod.serviceAccountName, ofKind(objects, 'ServiceAccount')[0]!.metadata?.name);
    assert.equal(pod.priorityClassName, ofKind(objects, 'PriorityClass')[0]!.metadata?.name);
    const hard = ofKind<V1ResourceQuota>(objects, 'ResourceQuota')[0]!.spec!.hard!;
    const parallelism = job.spec!.parallelism!;
    assert.equal(String(parallelism), hard.pods);
    const { requests, limits } = pod.containers[0]!.resources!;
    assert.ok(sameQuantity(multiplyQuantity(String(requests!.cpu), parallelism), String(hard['requests.cpu'])));
    assert.ok(sameQuantity(multiplyQuantity(String(limits!.memory), parallelism), String(hard['limits.memory'])));
  }
});

test("the RBAC subjects are the dispatch and reconcile functions' runtime accounts as the infrastructure names them", () => {
  const subjects = ofKind<V1RoleBinding>(buildBootstrap(defaults)[0]!.objects, 'RoleBinding').flatMap((b) => b.subjects!.map((s) => s.name));
  assert.deepEqual(subjects, [
    `${functionAccountId('dispatch')}@${defaults.project}.iam.gserviceaccount.com`,
    `${functionAccountId('reconcile')}@${defaults.project}.iam.gserviceaccount.com`,
  ]);
});

test('a pod resource the bootstrap cannot size a quota from is a BootstrapConfigError naming it', () => {
  const config = withChanges({ workerResources: { cpu: '1', memory: 'one gig' } });
  assert.throws(
    () => buildBootstrap(config),
    (error: unknown) => error instanceof BootstrapConfigError && /^workerResources\.memory: "one gig" is not a resource quantity/.test(error.message),
  );
});

const products: Array<[string, number, string]> = [
  ['1', 5000, '5000'],
  ['500m', 5000, '2500000m'],
  ['1.5Gi', 3, '4.5Gi'],
  ['0.25', 4, '1'],
  ['0.1', 3, '0.3'],
  ['2Gi', 1, '2Gi'],
];
for (const [quantity, factor, product] of products) {
  test(`multiplyQuantity(${quantity}, ${factor}) = ${product}, exactly`, () => assert.equal(multiplyQuantity(quantity, factor), product));
}

const comparisons: Array<[string, string, boolean]> = [
  ['5000', '5k', true],
  ['2500m', '2.5', true],
  ['1024Mi', '1Gi', true],
  ['5000Gi', '5Ti', false],
  ['1', '1001m', false],
];
for (const [a, b, same] of comparisons) {
  test(`sameQuantity(${a}, ${b}) is ${same}`, () => assert.equal(sameQuantity(a, b), same));
}
