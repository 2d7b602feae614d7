/**
 * A run never hangs on pods that cannot start: reconcile (real KubernetesFleet
 * over the fake API server) finds a Job that ran no pod for the configured time,
 * reads its pods and events as the kubelet, scheduler and Job controller leave
 * them, and ends the run with the real cause, or re-places its shards on another
 * cluster when the cause is a lack of room and another cluster can take them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';
import { reconcileRun } from '../../../functions/reconcile/reconcile-run.ts';
import { STALLED_JOB_MILLISECONDS } from '../../../functions/reconcile/stalled-jobs.ts';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { KubernetesFleet } from '../../../jobs/fleet/kubernetes-fleet.ts';
import { parseRuntimeConfig } from '../../../shared/config.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { FakeApiServer, fakeClusterAccess } from '../../support/fake-apiserver.ts';
import { NOW, reconcileFixture } from '../../support/reconcile-fixture.ts';

const server = new FakeApiServer(fleetAdmission(loadFleetConfig(TEST_FLEET_CONFIG)));
let baseUrl = '';
before(async () => {
  baseUrl = await server.start();
});
after(() => server.stop());

const IMAGE = 'us-central1-docker.pkg.dev/p/altus/worker@sha256:' + '0'.repeat(64);

/** A RUNNING run whose attempt-0 Job sits on worker-a of the fake server, created `minutes` ago. */
async function stalledRun(runId: string, minutes: number, extra: Parameters<ReturnType<typeof reconcileFixture>['runningRun']>[2] = {}) {
  const f = reconcileFixture();
  const fleet = new KubernetesFleet(fakeClusterAccess(baseUrl), { attempts: 2, initialDelayMilliseconds: 1, sleep: async () => undefined });
  f.deps.fleet = fleet;
  const run = await f.runningRun(runId, 4, extra);
  const job = f.putJob(run, {});
  await fleet.createJob('worker-a', job);
  const name = job.metadata!.name!;
  server.editJob('worker-a', name, (j: V1Job) => {
    j.metadata!.creationTimestamp = new Date(NOW.getTime() - minutes * 60_000);
    j.status = { active: 4, ready: 0 };
  });
  return { f, run, name };
}

function pod(job: string, index: number, status: V1Pod['status']): V1Pod {
  return {
    metadata: { name: `${job}-${index}-x7k2q`, namespace: 'altus', labels: { 'batch.kubernetes.io/job-name': job } },
    spec: { containers: [{ name: 'worker', image: IMAGE }] },
    status,
  };
}

function event(job: string, reason: string, message: string): CoreV1Event {
  return {
    metadata: { name: `${job}.1`, namespace: 'altus' },
    involvedObject: { kind: 'Job', name: job, namespace: 'altus' },
    reason,
    message,
    type: 'Warning',
  };
}

const pullMessage = `Back-off pulling image "${IMAGE}": ErrImagePull: failed to resolve reference: not found`;
const schedulerMessage =
  '0/3 nodes are available: 1 node(s) had untolerated taint {components.gke.io/gke-managed-components: true}, 2 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
const saMessage = 'Error creating: pods "x-0-" is forbidden: error looking up service account altus/altus-worker: serviceaccount "altus-worker" not found';

test("an image the kubelet cannot pull ends the run FAILED with IMAGE_PULL_FAILED and the kubelet's words; its Job is deleted", async () => {
  const { f, run, name } = await stalledRun('stall-image', 4);
  server.putPod(
    'worker-a',
    pod(name, 0, {
      phase: 'Pending',
      containerStatuses: [
        { name: 'worker', image: IMAGE, imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: pullMessage } } },
      ],
    }),
  );
  const report = await reconcileRun(f.deps, run);
  assert.equal(report.stalled?.action, 'failed');
  const ended = (await f.runs.getRun(run.runId))!;
  assert.equal(ended.status, 'FAILED');
  assert.equal(ended.error?.code, 'IMAGE_PULL_FAILED');
  assert.ok(ended.error!.message.includes(pullMessage), ended.error!.message);
  assert.deepEqual(
    f.published.map((p) => [p.role, p.message.status]),
    [['runFinished', 'FAILED']],
  );
  assert.equal(
    server.jobsOn('worker-a').some((j) => j.metadata?.name === name),
    false,
    'the stalled Job is deleted',
  );
  assert.equal(ended.fleetCleanedUp, true);
});

test("a missing service account (FailedCreate on the Job) ends the run FAILED with POD_CREATE_FAILED and the Job controller's words", async () => {
  const { f, run, name } = await stalledRun('stall-sa', 4);
  server.putEvent('worker-a', event(name, 'FailedCreate', saMessage));
  await reconcileRun(f.deps, run);
  const ended = (await f.runs.getRun(run.runId))!;
  assert.deepEqual([ended.status, ended.error?.code], ['FAILED', 'POD_CREATE_FAILED']);
  assert.ok(ended.error!.message.includes('serviceaccount "altus-worker" not found'), ended.error!.message);
});

test("no room on the cluster (Unschedulable) re-places the Job's unfinished shards on another cluster and deletes the stalled Job", async () => {
  const { f, run, name } = await stalledRun('stall-room', 4);
  await f.record(run, [0]);
  server.putPod(
    'worker-a',
    pod(name, 1, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: schedulerMessage }] }),
  );
  const report = await reconcileRun(f.deps, run);
  assert.equal(report.stalled?.action, 'replaced');
  const updated = (await f.runs.getRun(run.runId))!;
  assert.equal(updated.status, 'RUNNING');
  assert.deepEqual(
    updated.redispatches?.map((r) => [r.cluster, r.shards]),
    [['worker-b', [1, 2, 3]]],
  );
  assert.match(updated.redispatches![0]!.reason, /^no room on worker-a: .*Insufficient nvidia\.com\/gpu/);
  assert.equal(updated.redispatches![0]!.noRoomOn, 'worker-a', 'the cluster it left is recorded as such, not only in the text');
  assert.deepEqual(
    f.published.map((p) => [p.role, p.message.cluster]),
    [['dispatch', 'worker-b']],
  );
  assert.equal(
    server.jobsOn('worker-a').some((j) => j.metadata?.name === name),
    false,
  );
});

test("no room and no other cluster for the run ends it FAILED with UNSCHEDULABLE and the scheduler's words", async () => {
  const { f, run, name } = await stalledRun('stall-nowhere', 4, { placementClusters: ['worker-a'] });
  server.putPod(
    'worker-a',
    pod(name, 0, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: schedulerMessage }] }),
  );
  await reconcileRun(f.deps, run);
  const ended = (await f.runs.getRun(run.runId))!;
  assert.deepEqual([ended.status, ended.error?.code], ['FAILED', 'UNSCHEDULABLE']);
  assert.ok(ended.error!.message.includes(schedulerMessage));
});

test("no room, no other cluster, but other runs' pods hold the cluster: the run waits its turn instead of failing", async () => {
  const { f, run, name } = await stalledRun('stall-queued', 4, { placementClusters: ['worker-a'] });
  server.putPod(
    'worker-a',
    pod(name, 0, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: schedulerMessage }] }),
  );
  server.putPod('worker-a', {
    metadata: {
      name: 'altus-other-run-worker-a-a0-0-q1w2e',
      namespace: 'altus',
      labels: { 'app.kubernetes.io/managed-by': 'altus', 'altus.dev/run-id': 'other-run' },
    },
    status: { phase: 'Running' },
  });
  const report = await reconcileRun(f.deps, run);
  assert.equal(report.stalled, undefined);
  assert.equal((await f.runs.getRun(run.runId))!.status, 'RUNNING');
  assert.ok(
    server.jobsOn('worker-a').some((j) => j.metadata?.name === name),
    'its Job stays',
  );
});

test('a quiet Job younger than the patience (3 minutes by default) is not looked into; the configured patience applies', async () => {
  assert.ok(STALLED_JOB_MILLISECONDS <= 3 * 60_000);
  // The config module reads the patience from the environment (seconds).
  assert.equal(parseRuntimeConfig({ ALTUS_PROJECT_ID: 'demo-x', ALTUS_STALLED_JOB_SECONDS: '60' }).stalledJobMilliseconds, 60_000);
  assert.throws(() => parseRuntimeConfig({ ALTUS_PROJECT_ID: 'demo-x', ALTUS_STALLED_JOB_SECONDS: '0' }), /ALTUS_STALLED_JOB_SECONDS/);
  const { f, run, name } = await stalledRun('stall-young', 2);
  server.putPod(
    'worker-a',
    pod(name, 0, {
      phase: 'Pending',
      containerStatuses: [
        { name: 'worker', image: IMAGE, imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: pullMessage } } },
      ],
    }),
  );
  const podLists = () => server.requests.filter((r) => r.path.endsWith('/pods') && r.query.labelSelector === `batch.kubernetes.io/job-name=${name}`).length;
  await reconcileRun(f.deps, run);
  assert.equal((await f.runs.getRun(run.runId))!.status, 'RUNNING');
  assert.equal(podLists(), 0);
  f.deps.config = { ...f.deps.config, stalledJobMilliseconds: 60_000 };
  await reconcileRun(f.deps, run);
  assert.equal((await f.runs.getRun(run.runId))!.error?.code, 'IMAGE_PULL_FAILED');
  assert.equal(podLists(), 1);
});

test('a Job with a ready pod costs no pod or event read, and a running pod is not a stall whatever its siblings say', async () => {
  const { f, run, name } = await stalledRun('stall-busy', 10);
  server.editJob('worker-a', name, (j: V1Job) => (j.status = { active: 4, ready: 1 }));
  await reconcileRun(f.deps, run);
  assert.equal(server.requests.filter((r) => r.path.endsWith('/pods') && r.query.labelSelector?.endsWith(name)).length, 0);
  server.editJob('worker-a', name, (j: V1Job) => (j.status = { active: 4, ready: 0 }));
  server.putPod('worker-a', pod(name, 0, { phase: 'Running' }));
  server.putPod(
    'worker-a',
    pod(name, 1, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: schedulerMessage }] }),
  );
  const report = await reconcileRun(f.deps, run);
  assert.equal(report.stalled, undefined);
  assert.equal((await f.runs.getRun(run.runId))!.status, 'RUNNING');
});
