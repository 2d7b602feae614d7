/**
 * The local fleet is the real Kubernetes control plane: what the pipeline relies
 * on is the real Job controller's behaviour, and these tests pin it on this
 * machine with Jobs created through the same fleet code dispatch uses. A pod
 * whose worker has no run to work on exits 43 (bad environment), which gives a
 * pod failure on demand; an image the local image table lacks gives a pod that
 * never starts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { BatchV1Api, CoreV1Api, VersionApi, type V1Job } from '@kubernetes/client-node';
import { localClusterAccess } from '../../jobs/fleet/local/local-access.ts';
import { KUBE_USERS } from '../../scripts/stack/control-plane.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { EXIT_BAD_ENVIRONMENT } from '../../jobs/worker/exit-codes.ts';
import { CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT } from '../../jobs/fleet/pod-hardening.ts';
import { testStack } from '../support/stack.ts';
import { waitFor } from '../support/wait-for.ts';

const stack = testStack();
const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const namespace = fleet.namespace;
const CLUSTER = 'worker-b';
const suffix = Date.now().toString(36);

async function api<T>(type: new (...args: never[]) => T, user?: string): Promise<T> {
  return (await localClusterAccess(stack.kubeconfig, user)(CLUSTER)).makeApiClient(type as never) as T;
}

/** A Job on the batch pool whose pods run the worker image (restricted, as the namespace's Pod Security demands). */
function job(name: string, spec: Partial<NonNullable<V1Job['spec']>>, image = fleet.workerImage): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels: { 'altus.dev/test': suffix } },
    spec: {
      completionMode: 'Indexed',
      completions: 1,
      parallelism: 1,
      template: {
        spec: {
          restartPolicy: 'Never',
          securityContext: POD_SECURITY_CONTEXT,
          nodeSelector: { 'altus.dev/pool': 'batch' },
          tolerations: [{ key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'worker',
              image,
              securityContext: CONTAINER_SECURITY_CONTEXT,
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
            },
          ],
        },
      },
      ...spec,
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMilliseconds = 90_000): Promise<T> {
  return waitFor(probe, { timeoutMs: timeoutMilliseconds, what, intervalMs: 250 });
}

async function finished(batch: BatchV1Api, name: string): Promise<V1Job> {
  return until(`Job ${name} to finish`, async () => {
    const live = await batch.readNamespacedJob({ name, namespace });
    return live.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ? live : undefined;
  });
}

test('the API server is the pinned Kubernetes release, and kubectl reads it with the stack kubeconfig', async () => {
  const version = await (await api(VersionApi)).getCode();
  assert.equal(version.gitVersion, 'v1.36.3');
  const kubectl = spawnSync('kubectl', ['--kubeconfig', stack.kubeconfig, '--context', CLUSTER, 'get', 'nodes', '-L', 'cloud.google.com/gke-nodepool'], {
    encoding: 'utf8',
  });
  assert.equal(kubectl.status, 0, kubectl.stderr);
  assert.match(kubectl.stdout, new RegExp(`${CLUSTER}-batch-0\\s+Ready`));
});

test('per-index retries: a failing index is retried backoffLimitPerIndex times by the real Job controller, then failed', async () => {
  const batch = await api(BatchV1Api);
  const name = `cp-retries-${suffix}`;
  await batch.createNamespacedJob({ namespace, body: job(name, { backoffLimitPerIndex: 1, maxFailedIndexes: 1, podReplacementPolicy: 'Failed' }) });
  const done = await finished(batch, name);
  assert.equal(done.status?.failed, 2, 'one try and one retry');
  assert.equal(done.status?.failedIndexes, '0');
  assert.equal(done.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'FailedIndexes');
});

test('the pod failure policy: an exit code the builder marks FailIndex is not retried; the TTL controller then removes the Job', async () => {
  const batch = await api(BatchV1Api);
  const name = `cp-failindex-${suffix}`;
  await batch.createNamespacedJob({
    namespace,
    body: job(name, {
      backoffLimitPerIndex: 3,
      maxFailedIndexes: 1,
      podReplacementPolicy: 'Failed',
      ttlSecondsAfterFinished: 2,
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { containerName: 'worker', operator: 'In', values: [EXIT_BAD_ENVIRONMENT] } }] },
    }),
  });
  const done = await finished(batch, name);
  assert.equal(done.status?.failed, 1, 'exit 43 failed the index at once');
  assert.equal(done.status?.failedIndexes, '0');
  await until('the TTL-after-finished controller to delete the Job', async () => {
    const left = (await batch.listNamespacedJob({ namespace, fieldSelector: `metadata.name=${name}` })).items;
    return left.length === 0 ? true : undefined;
  });
});

test("an image this machine cannot pull: the pod waits ErrImagePull with the kubelet's event, and the deadline ends the Job", async () => {
  const batch = await api(BatchV1Api);
  const core = await api(CoreV1Api);
  const name = `cp-image-${suffix}`;
  const image = 'us-central1-docker.pkg.dev/altus-demo-project/altus/no-such-image:1';
  await batch.createNamespacedJob({ namespace, body: job(name, { backoffLimitPerIndex: 0, activeDeadlineSeconds: 8 }, image) });
  const waiting = await until('the pod to wait for its image', async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
    return pods.map((p) => p.status?.containerStatuses?.[0]?.state?.waiting).find((w) => w?.reason === 'ErrImagePull' || w?.reason === 'ImagePullBackOff');
  });
  assert.match(waiting.message ?? '', /no-such-image/);
  const events = (await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=Pod,reason=Failed' })).items;
  assert.ok(
    events.some((e) => e.source?.component === 'kubelet' && (e.message ?? '').includes(image)),
    'the kubelet recorded why',
  );
  const done = await finished(batch, name);
  assert.equal(done.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'DeadlineExceeded');
  await until('the deadline to remove the waiting pod', async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
    return pods.every((p) => p.status?.phase === 'Failed' || p.metadata?.deletionTimestamp) ? true : undefined;
  });
});

test('a GPU pod where no pool has that accelerator stays Pending, as the real scheduler leaves it', async () => {
  const batch = await api(BatchV1Api);
  const core = await api(CoreV1Api);
  const name = `cp-gpu-${suffix}`;
  const body = job(name, { backoffLimitPerIndex: 0, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 5 });
  const pod = body.spec!.template.spec!;
  pod.nodeSelector = { 'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4' };
  pod.tolerations = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];
  // The namespace's quota wants CPU and memory on every pod; an extended resource's request equals its limit.
  pod.containers[0]!.resources = {
    requests: { cpu: '100m', memory: '64Mi', 'nvidia.com/gpu': '1' },
    limits: { cpu: '100m', memory: '64Mi', 'nvidia.com/gpu': '1' },
  };
  await batch.createNamespacedJob({ namespace, body });
  const unscheduled = await until('the scheduler to give up on the pod', async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
    return pods.map((p) => p.status?.conditions?.find((c) => c.type === 'PodScheduled')).find((c) => c?.status === 'False');
  });
  assert.equal(unscheduled.reason, 'Unschedulable');
  assert.match(unscheduled.message ?? '', /node\(s\) didn't match Pod's node affinity\/selector/);
  await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
});

test("least privilege: each function's identity gets exactly what the fleet bootstrap grants it, in its namespace only", async () => {
  const forbidden = (e: { code?: number }) => e.code === 403;
  const notFound = (e: { code?: number }) => e.code === 404;
  const dispatch = { batch: await api(BatchV1Api, KUBE_USERS.dispatch), core: await api(CoreV1Api, KUBE_USERS.dispatch) };
  const reconcile = { batch: await api(BatchV1Api, KUBE_USERS.reconcile), core: await api(CoreV1Api, KUBE_USERS.reconcile) };
  // dispatch: create and get Jobs (a redelivered create reads the Job it finds), nothing else.
  await assert.rejects(dispatch.batch.readNamespacedJob({ name: `absent-${suffix}`, namespace }), notFound, 'dispatch may get a Job');
  await assert.rejects(dispatch.batch.listNamespacedJob({ namespace }), forbidden, 'dispatch must not list Jobs');
  await assert.rejects(dispatch.batch.deleteNamespacedJob({ name: 'any', namespace }), forbidden, 'dispatch must not delete Jobs');
  await assert.rejects(dispatch.core.listNamespacedPod({ namespace }), forbidden, 'dispatch must not read pods');
  // reconcile: get, list and delete Jobs, list pods and events; never create.
  await reconcile.batch.listNamespacedJob({ namespace });
  await reconcile.core.listNamespacedPod({ namespace });
  await reconcile.core.listNamespacedEvent({ namespace });
  await assert.rejects(reconcile.batch.deleteNamespacedJob({ name: `absent-${suffix}`, namespace }), notFound, 'reconcile may delete a Job');
  await assert.rejects(reconcile.batch.createNamespacedJob({ namespace, body: job(`rbac-${suffix}`, {}) }), forbidden, 'reconcile must not create Jobs');
  for (const { batch, core } of [dispatch, reconcile]) {
    await assert.rejects(core.listNamespacedSecret({ namespace }), forbidden, 'no secrets');
    await assert.rejects(batch.listNamespacedJob({ namespace: 'kube-system' }), forbidden, `only ${namespace}`);
    await assert.rejects(core.listNode(), forbidden, 'no nodes');
    await assert.rejects(core.deleteNamespacedPod({ name: 'any', namespace }), forbidden, 'no pod deletes');
  }
});
