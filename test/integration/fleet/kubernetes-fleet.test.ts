import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { FleetRequestError } from '../../../jobs/fleet/fleet.ts';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { KubernetesFleet } from '../../../jobs/fleet/kubernetes-fleet.ts';

import { TransientError } from '../../../shared/errors.ts';
import { FakeApiServer, fakeClusterAccess } from '../../support/fake-apiserver.ts';
import { clusterNamed, jobRequest, threeClusters } from '../../support/fleet-fixtures.ts';

const server = new FakeApiServer(fleetAdmission(threeClusters));
let baseUrl = '';
before(async () => {
  baseUrl = await server.start();
});
after(() => server.stop());

/** A fleet whose backoff sleeps are recorded instead of waited. */
function fleet() {
  const sleeps: number[] = [];
  const sleep = async (ms: number) => void sleeps.push(ms);
  return { fleet: new KubernetesFleet(fakeClusterAccess(baseUrl), { attempts: 4, initialDelayMilliseconds: 100, sleep }), sleeps };
}

const workerA = clusterNamed(threeClusters, 'worker-a');
const job = (runId: string, cluster = workerA) => buildJob(jobRequest({ cluster, runId }));

test('create answers 201 and the job is stored; the same name again is 409 and resolves to exists', async () => {
  const { fleet: f } = fleet();
  assert.equal(await f.createJob('worker-a', job('run-created')), 'created');
  assert.equal(await f.createJob('worker-a', job('run-created')), 'exists');
  const posts = server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/namespaces/altus/jobs'));
  assert.deepEqual(
    posts.slice(-2).map((r) => r.status),
    [201, 409],
  );
  assert.equal(server.jobsOn('worker-a').filter((j) => j.metadata?.labels?.['altus.dev/run-id'] === 'run-created').length, 1);
});

const transientCases = [
  { label: 'one 503', faults: [503], sleeps: [100] },
  { label: '500 then 429', faults: [500, 429], sleeps: [100, 200] },
  { label: 'three 503s', faults: [503, 503, 503], sleeps: [100, 200, 400] },
];
for (const c of transientCases) {
  test(`create is retried with doubling backoff after ${c.label}`, async () => {
    const { fleet: f, sleeps } = fleet();
    server.faults.push(...c.faults.map((status) => ({ status, method: 'POST' })));
    assert.equal(await f.createJob('worker-a', job(`run-retry-${c.faults.length}-${c.faults[0]}`)), 'created');
    assert.deepEqual(sleeps, c.sleeps);
  });
}

test('a cluster that keeps answering 503 fails with a TransientError after the last attempt', async () => {
  const { fleet: f, sleeps } = fleet();
  server.faults.push(...[503, 503, 503, 503].map((status) => ({ status, method: 'POST' })));
  await assert.rejects(f.createJob('worker-a', job('run-lost')), (error: unknown) => {
    assert.ok(error instanceof TransientError);
    assert.match(error.message, /create Job altus-run-lost-worker-a-a0 on cluster worker-a failed after 4 attempts/);
    return true;
  });
  assert.equal(sleeps.length, 3);
});

test('403 is not retried and becomes a FleetRequestError naming the job, the cluster and the reason', async () => {
  const { fleet: f, sleeps } = fleet();
  const message =
    'jobs.batch is forbidden: User "altus-dispatch@altus-test-project.iam.gserviceaccount.com" cannot create resource "jobs" in API group "batch" in the namespace "altus"';
  server.faults.push({ status: 403, message, method: 'POST' });
  await assert.rejects(f.createJob('worker-a', job('run-forbidden')), (error: unknown) => {
    assert.ok(error instanceof FleetRequestError);
    assert.equal(error.status, 403);
    assert.match(
      error.message,
      /^create Job altus-run-forbidden-worker-a-a0 on cluster worker-a was refused \(HTTP 403\): jobs\.batch is forbidden: User "altus-dispatch@/,
    );
    assert.ok(error.cause, 'the client error is kept as cause');
    return true;
  });
  assert.deepEqual(sleeps, []);
});

test('a Job the API server would refuse is a 422 FleetRequestError carrying the validation message', async () => {
  const { fleet: f } = fleet();
  const bad = job('run-invalid');
  bad.spec!.template.spec!.terminationGracePeriodSeconds = 60;
  await assert.rejects(f.createJob('worker-a', bad), (error: unknown) => {
    assert.ok(error instanceof FleetRequestError);
    assert.equal(error.status, 422);
    assert.match(error.message, /terminationGracePeriodSeconds: Invalid value: 60/);
    return true;
  });
});

test('Jobs for every cluster of the fleet pass admission over HTTP', async () => {
  const { fleet: f } = fleet();
  for (const cluster of threeClusters.clusters) assert.equal(await f.createJob(cluster.name, job('run-every-cluster', cluster)), 'created');
});

test('deleteJobs lists by run label and deletes the collection with background propagation', async () => {
  const { fleet: f } = fleet();
  await f.createJob('worker-b', job('run-doomed', clusterNamed(threeClusters, 'worker-b')));
  await f.createJob('worker-b', job('run-kept', clusterNamed(threeClusters, 'worker-b')));
  assert.equal(await f.deleteJobs('worker-b', 'altus', 'altus.dev/run-id=run-doomed'), 1);
  const deletion = server.requests.filter((r) => r.method === 'DELETE').at(-1)!;
  assert.equal(deletion.query.labelSelector, 'altus.dev/run-id=run-doomed');
  assert.equal(deletion.query.propagationPolicy, 'Background');
  const left = server.jobsOn('worker-b').map((j) => j.metadata?.labels?.['altus.dev/run-id']);
  assert.ok(left.includes('run-kept') && !left.includes('run-doomed'), `left: ${left.join(', ')}`);
  assert.equal(await f.deleteJobs('worker-b', 'altus', 'altus.dev/run-id=run-doomed'), 0);
});
