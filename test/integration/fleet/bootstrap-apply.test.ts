import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PriorityClass, V1ResourceQuota, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import { kubernetesAdmission } from '../../../jobs/fleet/admission.ts';
import { buildBootstrap } from '../../../jobs/fleet/bootstrap.ts';
import { applyBootstrap, BootstrapApplyError, type ClusterApplyReport } from '../../../jobs/fleet/bootstrap-apply.ts';

import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { gkeClusterAccess, type TokenSource } from '../../../jobs/fleet/gke-access.ts';
import { FakeApiServer, fakeClusterAccess } from '../../support/fake-apiserver.ts';
import { TokenGate } from './token-gate.ts';

const config = loadFleetConfig(TEST_FLEET_CONFIG);
const plan = buildBootstrap(config);
const OBJECTS = [
  'Namespace altus',
  'ResourceQuota altus/altus-workers',
  'ServiceAccount altus/altus-worker',
  'PriorityClass altus-batch',
  'Role altus/altus-job-operator',
  'RoleBinding altus/altus-job-operator',
  'Role altus/altus-reconcile',
  'RoleBinding altus/altus-reconcile',
];

let server: FakeApiServer;
let baseUrl = '';
beforeEach(async () => {
  server = new FakeApiServer(kubernetesAdmission);
  baseUrl = await server.start();
});
afterEach(() => server.stop());

const apply = () => applyBootstrap(plan, fakeClusterAccess(baseUrl));
const actions = (reports: ClusterApplyReport[]) => Object.fromEntries(reports.map((r) => [r.cluster, r.outcomes.map((o) => `${o.object}: ${o.action}`)]));
const every = (action: string) => OBJECTS.map((o) => `${o}: ${action}`);

test('the first apply creates every object on every cluster, the namespace first', async () => {
  const reports = await apply();
  assert.deepEqual(actions(reports), { 'worker-a': every('created'), 'worker-b': every('created') });
  assert.ok(reports.every((r) => r.error === undefined));
  for (const cluster of ['worker-a', 'worker-b']) {
    assert.deepEqual(
      server.objectsOn(cluster).map((o) => o.kind),
      ['Namespace', 'ResourceQuota', 'ServiceAccount', 'PriorityClass', 'Role', 'RoleBinding', 'Role', 'RoleBinding'],
    );
    const posts = server.requests.filter((r) => r.method === 'POST' && r.path.startsWith(`/clusters/${cluster}/`));
    assert.deepEqual(
      posts.map((r) => r.status),
      [201, 201, 201, 201, 201, 201, 201, 201],
    );
    assert.equal(posts[0]!.path, `/clusters/${cluster}/api/v1/namespaces`);
  }
});

test('a second apply finds everything as it should be: unchanged, no replace (the server\'s canonical "5k" is the same quota)', async () => {
  await apply();
  const quota = server.objectsOn('worker-a').find((o) => o.kind === 'ResourceQuota') as V1ResourceQuota;
  assert.equal(quota.spec?.hard?.pods, '5k', 'the fake API server rewrites quantities like a real one');
  const reports = await apply();
  assert.deepEqual(actions(reports), { 'worker-a': every('unchanged'), 'worker-b': every('unchanged') });
  assert.equal(server.requests.filter((r) => r.method === 'PUT').length, 0);
});

test('drift is put back: a shrunk quota and a removed subject are replaced, keeping labels someone else added', async () => {
  await apply();
  server.edit<V1ResourceQuota>('worker-b', 'ResourceQuota', 'altus-workers', (o) => {
    o.spec!.hard!.pods = '10';
    o.metadata!.labels = { ...o.metadata!.labels, 'team.example.com/owner': 'risk' };
  });
  server.edit<V1RoleBinding>(
    'worker-b',
    'RoleBinding',
    'altus-job-operator',
    (o) => void o.subjects!.push({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'intruder@example.com' }),
  );
  const reports = await apply();
  assert.deepEqual(actions(reports)['worker-a'], every('unchanged'));
  const b = reports.find((r) => r.cluster === 'worker-b')!;
  assert.deepEqual(
    b.outcomes.filter((o) => o.action !== 'unchanged'),
    [
      { object: 'ResourceQuota altus/altus-workers', action: 'updated', detail: 'spec.hard' },
      { object: 'RoleBinding altus/altus-job-operator', action: 'updated', detail: 'subjects' },
    ],
  );
  const quota = server.objectsOn('worker-b').find((o) => o.kind === 'ResourceQuota') as V1ResourceQuota;
  assert.equal(quota.spec?.hard?.pods, '5k');
  assert.equal(quota.metadata?.labels?.['team.example.com/owner'], 'risk');
  const binding = server.objectsOn('worker-b').find((o) => o.kind === 'RoleBinding') as V1RoleBinding;
  assert.equal(binding.subjects?.length, 1);
  assert.deepEqual(actions(await apply())['worker-b'], every('unchanged'));
});

test("a cluster bootstrapped before the RBAC split has its shared Role narrowed to dispatch's in place, and reconcile gets its own", async () => {
  await apply();
  server.edit<V1Role>('worker-a', 'Role', 'altus-job-operator', (o) => {
    o.rules = [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete', 'deletecollection'] }];
  });
  server.edit<V1RoleBinding>('worker-a', 'RoleBinding', 'altus-job-operator', (o) => {
    o.subjects = [...o.subjects!, { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `altus-reconcile@${config.project}.iam.gserviceaccount.com` }];
  });
  const a = (await apply()).find((r) => r.cluster === 'worker-a')!;
  assert.deepEqual(
    a.outcomes.filter((o) => o.action !== 'unchanged').map((o) => o.object),
    ['Role altus/altus-job-operator', 'RoleBinding altus/altus-job-operator'],
  );
  const role = server.objectsOn('worker-a').find((o) => o.kind === 'Role' && o.metadata?.name === 'altus-job-operator') as V1Role;
  assert.deepEqual(role.rules, [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'] }]);
});

test('a PriorityClass with another value is kept (the value is immutable) and the report says how to fix it', async () => {
  await apply();
  server.edit<V1PriorityClass>('worker-a', 'PriorityClass', 'altus-batch', (o) => {
    o.value = 5;
  });
  const reports = await apply();
  const outcome = reports.find((r) => r.cluster === 'worker-a')!.outcomes.find((o) => o.object === 'PriorityClass altus-batch')!;
  assert.equal(outcome.action, 'kept');
  assert.match(outcome.detail!, /^value \(5, wanted 1000\) cannot change in place: delete PriorityClass altus-batch and run bootstrap again$/);
  assert.equal(server.requests.filter((r) => r.method === 'PUT').length, 0);
});

test('403 on one cluster: a clear error naming the object and the cluster; later objects are not tried; the other cluster is done', async () => {
  const message =
    'roles.rbac.authorization.k8s.io is forbidden: User "ops@example.com" cannot create resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "altus"';
  server.faults.push({
    status: 403,
    method: 'POST',
    path: /^\/clusters\/worker-b\/apis\/rbac\.authorization\.k8s\.io\/v1\/namespaces\/altus\/roles$/,
    message,
  });
  const reports = await apply();
  assert.deepEqual(actions(reports)['worker-a'], every('created'));
  const b = reports.find((r) => r.cluster === 'worker-b')!;
  assert.deepEqual(
    b.outcomes.map((o) => o.object),
    OBJECTS.slice(0, 4),
  );
  assert.ok(b.error instanceof BootstrapApplyError);
  assert.equal(b.error.message, `create Role altus/altus-job-operator on cluster worker-b was refused (HTTP 403): ${message}`);
  assert.equal(b.error.cluster, 'worker-b');
  assert.equal(b.error.object, 'Role altus/altus-job-operator');
  assert.equal(b.error.status, 403);
  assert.ok(!server.objectsOn('worker-b').some((o) => o.kind === 'RoleBinding'));
});

test('a cluster whose access cannot be resolved is reported, the others applied', async () => {
  const local = fakeClusterAccess(baseUrl);
  const reports = await applyBootstrap(plan, async (cluster) => {
    if (cluster === 'worker-a') throw new Error('cluster worker-a in us-central1 has no endpoint or CA certificate');
    return local(cluster);
  });
  assert.equal(reports[0]!.error?.message, 'cannot reach cluster worker-a: cluster worker-a in us-central1 has no endpoint or CA certificate');
  assert.deepEqual(reports[0]!.outcomes, []);
  assert.deepEqual(actions(reports)['worker-b'], every('created'));
});

/**
 * Bootstrap through a token-checking TLS gate. The token source mints tokens the
 * gate takes (unless `honour(false)`); `revoke()` makes the gate refuse all so far.
 */
async function behindGate(
  fn: (ctx: {
    gate: TokenGate;
    minted: () => number;
    apply: () => Promise<ClusterApplyReport[]>;
    revoke: () => void;
    honour: (yes: boolean) => void;
  }) => Promise<void>,
) {
  const gate = new TokenGate(baseUrl);
  const gateUrl = await gate.start();
  let valid: string[] = [];
  let minted = 0;
  let honouring = true;
  const tokens: TokenSource = async () => {
    const token = `bootstrap-token-${++minted}`;
    if (honouring) valid.push(token);
    gate.accept(...valid);
    return { token, expiresAtMilliseconds: Date.now() + 3600_000 };
  };
  const lookup = async (_p: string, _r: string, cluster: string) => ({
    server: `${gateUrl}/clusters/${cluster}`,
    caCertificate: gate.caCertificate,
    kind: 'ip' as const,
  });
  const access = gkeClusterAccess(config, lookup, tokens);
  const revoke = () => {
    valid = [];
    gate.accept();
  };
  try {
    await fn({
      gate,
      minted: () => minted,
      apply: () => applyBootstrap(plan, access),
      revoke,
      honour: (yes) => {
        honouring = yes;
      },
    });
  } finally {
    await gate.stop();
  }
}

test('401 mid-bootstrap (the cached token was revoked): new credentials once, and the apply goes on as if nothing happened', async () => {
  await behindGate(async ({ gate, minted, apply, revoke }) => {
    assert.deepEqual(actions(await apply()), { 'worker-a': every('created'), 'worker-b': every('created') });
    const before = minted();
    const seen = gate.seen.length;
    revoke();
    const reports = await apply();
    assert.deepEqual(actions(reports), { 'worker-a': every('unchanged'), 'worker-b': every('unchanged') });
    assert.ok(reports.every((r) => r.error === undefined));
    assert.ok(minted() > before, 'new credentials were asked for');
    const revoked = new Set(gate.seen.slice(0, seen));
    assert.ok(
      gate.seen.slice(seen).some((t) => revoked.has(t)),
      'the revoked token was tried first (and refused)',
    );
  });
});

test('401 even with refreshed credentials: the cluster is reported refused, naming the object; nothing crashes', async () => {
  await behindGate(async ({ apply, revoke, honour }) => {
    honour(false); // the account is not let in at all
    revoke();
    const reports = await apply();
    for (const report of reports) {
      assert.deepEqual(report.outcomes, []);
      assert.ok(report.error instanceof BootstrapApplyError);
      assert.match(
        report.error.message,
        new RegExp(`^create Namespace altus on cluster ${report.cluster} was refused \\(HTTP 401, even with refreshed credentials\\): Unauthorized`),
      );
    }
  });
});
