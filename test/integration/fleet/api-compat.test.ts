/**
 * The API and its versions, at the HTTP layer (real KubernetesFleet, fake API
 * server): Jobs are created with strict field validation; a cluster older than
 * 1.29 is refused once, before any Job; a server that dropped a batch field is
 * caught from the Job it returned; a 409 is checked against the stored Job; a
 * cluster that stops answering at its cached address is looked up again.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { parseServerVersion, versionProblem } from '../../../jobs/fleet/api-compat.ts';
import { FleetRequestError } from '../../../jobs/fleet/fleet.ts';
import { gkeClusterAccess } from '../../../jobs/fleet/gke-access.ts';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { KubernetesFleet } from '../../../jobs/fleet/kubernetes-fleet.ts';
import { FakeApiServer, fakeClusterAccess } from '../../support/fake-apiserver.ts';
import { TokenGate } from './token-gate.ts';
import { clusterNamed, jobRequest, threeClusters } from '../../support/fleet-fixtures.ts';

const server = new FakeApiServer(fleetAdmission(threeClusters));
let baseUrl = '';
before(async () => {
  baseUrl = await server.start();
});
after(() => server.stop());

const noWait = { attempts: 3, initialDelayMilliseconds: 1, sleep: async () => undefined };
const fleet = () => new KubernetesFleet(fakeClusterAccess(baseUrl), noWait);
const job = (runId: string, cluster = 'worker-a') => buildJob(jobRequest({ cluster: clusterNamed(threeClusters, cluster), runId }));
const requestsTo = (pattern: RegExp) => server.requests.filter((r) => pattern.test(`${r.method} ${r.path}`));

test('Jobs are created with fieldValidation=Strict', async () => {
  await fleet().createJob('worker-a', job('strict-create'));
  const post = requestsTo(/^POST \/clusters\/worker-a\/apis\/batch\/v1\/namespaces\/altus\/jobs$/).at(-1)!;
  assert.equal(post.query.fieldValidation, 'Strict');
});

test('a cluster on Kubernetes 1.28 is refused before any Job, with a permanent error naming its version; the version is read once', async () => {
  server.versions.set('worker-b', { major: '1', minor: '28+', gitVersion: 'v1.28.15-gke.1020000' });
  const f = fleet();
  for (const runId of ['old-cluster-1', 'old-cluster-2']) {
    await assert.rejects(f.createJob('worker-b', job(runId, 'worker-b')), (error: unknown) => {
      assert.ok(error instanceof FleetRequestError);
      assert.match(error.message, /^cluster worker-b runs Kubernetes v1\.28\.15-gke\.1020000; Altus Jobs need 1\.29 or later/);
      return true;
    });
  }
  assert.equal(requestsTo(/^GET \/clusters\/worker-b\/version/).length, 1);
  assert.equal(requestsTo(/^POST \/clusters\/worker-b\//).length, 0);
});

test('server versions are read as GKE writes them', () => {
  const cases = [
    { info: { major: '1', minor: '29+', gitVersion: 'v1.29.1-gke.1589020' }, ok: true },
    { info: { major: '1', minor: '36', gitVersion: 'v1.36.3' }, ok: true },
    { info: { major: '1', minor: '28+', gitVersion: '' }, ok: false },
    { info: { major: '2', minor: '0', gitVersion: 'v2.0.0' }, ok: true },
  ];
  for (const c of cases) assert.equal(versionProblem('k', parseServerVersion(c.info)!) === undefined, c.ok, JSON.stringify(c.info));
});

test('a server that drops backoffLimitPerIndex and podReplacementPolicy (a feature gate off) fails the create with a permanent error naming them', async () => {
  server.dropJobFields.push('backoffLimitPerIndex', 'podReplacementPolicy');
  try {
    await assert.rejects(fleet().createJob('worker-a', job('dropped-fields')), (error: unknown) => {
      assert.ok(error instanceof FleetRequestError);
      assert.match(error.message, /stored Job altus-dropped-fields-worker-a-a0 without spec\.backoffLimitPerIndex, spec\.podReplacementPolicy/);
      return true;
    });
  } finally {
    server.dropJobFields.length = 0;
  }
});

test('a 409 reads the stored Job: the run\'s own is "exists", another run\'s under the same name is refused', async () => {
  const f = fleet();
  await f.createJob('worker-a', job('conflict-own'));
  assert.equal(await f.createJob('worker-a', job('conflict-own')), 'exists');
  assert.ok(requestsTo(/^GET \/clusters\/worker-a\/apis\/batch\/v1\/namespaces\/altus\/jobs\/altus-conflict-own-worker-a-a0$/).length >= 1);
  const impostor = job('conflict-own');
  impostor.metadata!.labels!['altus.dev/run-id'] = 'someone-else';
  server.editJob('worker-a', 'altus-conflict-own-worker-a-a0', (j) => (j.metadata!.labels!['altus.dev/run-id'] = 'someone-else'));
  await assert.rejects(f.createJob('worker-a', job('conflict-own')), /already exists and belongs to someone-else, not run conflict-own/);
});

test('a cluster that stops answering at its cached endpoint is looked up again and reached at its new address', async () => {
  const dead = await closedPort();
  const gate = new TokenGate(baseUrl);
  const gateUrl = await gate.start();
  after(() => gate.stop());
  gate.accept('t');
  const lookups: string[] = [];
  const lookup = async (_project: string, _region: string, cluster: string) => {
    const server = lookups.length === 0 ? `https://127.0.0.1:${dead}/clusters/${cluster}` : `${gateUrl}/clusters/${cluster}`;
    lookups.push(server);
    return { server, caCertificate: gate.caCertificate, kind: 'ip' as const };
  };
  const access = gkeClusterAccess(threeClusters, lookup, async () => ({ token: 't', expiresAtMilliseconds: Date.now() + 3_600_000 }));
  const f = new KubernetesFleet(access, noWait);
  assert.deepEqual(await f.listJobs('worker-a', 'altus', 'altus.dev/run-id=recreated'), []);
  assert.equal(lookups.length, 2, 'the endpoint was looked up again after the transport error');
  // And kept while it answers.
  await f.listJobs('worker-a', 'altus', 'altus.dev/run-id=recreated');
  assert.equal(lookups.length, 2);
});

/** A port nothing listens on (a deleted cluster's old address). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

test("connect reads each cluster's version ahead of the first Job, once, and never throws", async () => {
  const f = fleet();
  const before = requestsTo(/^GET \/clusters\/worker-on-demand-with-a-long-name-x40ch\/version/).length;
  await f.connect(['worker-on-demand-with-a-long-name-x40ch', 'no-such-cluster']);
  assert.equal(requestsTo(/^GET \/clusters\/worker-on-demand-with-a-long-name-x40ch\/version/).length, before + 1);
  await f.createJob('worker-on-demand-with-a-long-name-x40ch', job('connected-first', 'worker-on-demand-with-a-long-name-x40ch'));
  assert.equal(requestsTo(/^GET \/clusters\/worker-on-demand-with-a-long-name-x40ch\/version/).length, before + 1, 'createJob did not ask again');
});
