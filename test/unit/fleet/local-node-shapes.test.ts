/**
 * The local fleet's kubelet stand-in, its pure parts: nodes shaped like the
 * fleet's pools (GKE's labels and taints, allocatable scaled to this machine),
 * the container environment the kubelet would give (downward API), what it does
 * with a pod it cannot start (ErrImagePull, CreateContainerConfigError), and pod
 * statuses as the kubelet reports them (the DisruptionTarget condition the Job
 * controller's pod failure policy reads).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { localNodes, GKE_NODEPOOL_LABEL } from '../../../jobs/fleet/local/nodes.ts';
import { admitContainer, type AdmissionSetup } from '../../../jobs/fleet/local/pod-admission.ts';
import { containerEnvironment, PodEnvironmentError } from '../../../jobs/fleet/local/pod-env.ts';
import { runningStatus, terminatedStatus, waitingStatus } from '../../../jobs/fleet/local/pod-status.ts';
import { parseFleetConfig } from '../../../shared/fleet-config.ts';
import { clusterNamed, jobRequest, threeClusters } from '../../support/fleet-fixtures.ts';

const gpuFleet = parseFleetConfig({
  project: 'altus-test-project',
  hub: { name: 'altus-hub', region: 'us-east1' },
  clusters: [
    {
      name: 'worker-g',
      region: 'us-central1',
      weight: 1,
      spot: true,
      maxParallelism: 100,
      machineType: 'c2d-standard-8',
      vcpusPerNode: 8,
      maxNodes: 10,
      pricing: { spotPerVcpuHour: 0.01, onDemandPerVcpuHour: 0.04 },
      gpuPools: [
        {
          name: 'h100',
          acceleratorType: 'nvidia-h100-80gb',
          acceleratorCount: 1,
          machineType: 'a3-highgpu-1g',
          maxNodes: 4,
          spot: true,
          pricing: { spotPerGpuHour: 2, onDemandPerGpuHour: 10 },
        },
      ],
    },
  ],
  workerImage: 'us-central1-docker.pkg.dev/altus-test-project/altus/worker:1',
  workerServiceAccount: { kubernetes: 'altus-worker', google: 'altus-worker' },
  workerResources: { cpu: '2', memory: '3Gi' },
});

test('a Spot cluster: a system node, batch nodes tainted and labelled for Spot, holding exactly the pods this machine runs at once', () => {
  const nodes = localNodes(threeClusters, clusterNamed(threeClusters, 'worker-a'), 3);
  const pools = nodes.map((n) => n.pool);
  assert.deepEqual(pools, ['system', 'batch', 'batch']);
  const batch = nodes.filter((n) => n.pool === 'batch');
  for (const { node } of batch) {
    assert.equal(node.metadata?.labels?.['cloud.google.com/gke-spot'], 'true');
    assert.equal(node.metadata?.labels?.[GKE_NODEPOOL_LABEL], 'batch');
    assert.equal(node.metadata?.labels?.['altus.dev/pool'], 'batch');
    assert.deepEqual(node.spec?.taints, [{ key: 'cloud.google.com/gke-spot', value: 'true', effect: 'NoSchedule' }]);
  }
  // workerResources default to 1 vCPU: 3 pods at once over two nodes is 2 + 1.
  assert.deepEqual(
    batch.map((n) => n.node.status?.allocatable?.cpu),
    ['2', '1'],
  );
  const system = nodes[0]!.node;
  assert.equal(system.spec?.taints, undefined, 'the system pool is on-demand and untainted');
  assert.equal(system.metadata?.labels?.['cloud.google.com/gke-spot'], undefined);
});

test('an on-demand cluster: batch nodes carry no Spot label or taint', () => {
  const nodes = localNodes(threeClusters, clusterNamed(threeClusters, 'worker-on-demand-with-a-long-name-x40ch'), 2);
  for (const { node } of nodes) {
    assert.equal(node.spec?.taints, undefined);
    assert.equal(node.metadata?.labels?.['cloud.google.com/gke-spot'], undefined);
  }
});

test('GPU pools: accelerator label, the nvidia.com/gpu taint GKE puts on GPU nodes, whole GPUs allocatable; CPU sized from workerResources', () => {
  const nodes = localNodes(gpuFleet, gpuFleet.clusters[0]!, 2);
  const gpu = nodes.filter((n) => n.pool === 'h100');
  assert.equal(gpu.length, 2);
  for (const { node } of gpu) {
    assert.equal(node.metadata?.labels?.['cloud.google.com/gke-accelerator'], 'nvidia-h100-80gb');
    assert.deepEqual(node.spec?.taints, [
      { key: 'cloud.google.com/gke-spot', value: 'true', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
    ]);
    assert.equal(node.status?.allocatable?.['nvidia.com/gpu'], '1');
    assert.equal(node.status?.allocatable?.cpu, '2');
    assert.equal(node.status?.allocatable?.memory, '3Gi');
  }
  assert.throws(() => localNodes(gpuFleet, gpuFleet.clusters[0]!, 0), /positive integer/);
});

/** A pod as the Job controller would create it from a dispatch's Job. */
function podOf(index: number): V1Pod {
  const job = buildJob(jobRequest({ cluster: clusterNamed(threeClusters, 'worker-a') }));
  const template = structuredClone(job.spec!.template);
  const container = template.spec!.containers[0]!;
  container.env = [
    ...(container.env ?? []),
    { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } },
  ];
  return {
    metadata: {
      name: `${job.metadata!.name}-${index}-abcde`,
      namespace: 'altus',
      uid: 'uid-1',
      labels: { ...template.metadata?.labels, 'batch.kubernetes.io/job-completion-index': String(index) },
      annotations: { 'batch.kubernetes.io/job-index-failure-count': '2' },
    },
    spec: { ...template.spec!, nodeName: 'worker-a-batch-0' },
  };
}

test('the container environment: literal values, the downward API (completion index, index failure count), the node under the pod', () => {
  const pod = podOf(7);
  const env = containerEnvironment(pod, pod.spec!.containers[0]!, { PATH: '/usr/bin', ALTUS_MAX_RETRIES: 'node value' });
  assert.equal(env.JOB_COMPLETION_INDEX, '7');
  assert.equal(env.ALTUS_INDEX_FAILURE_COUNT, '2');
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.HOSTNAME, pod.metadata!.name);
  assert.notEqual(env.ALTUS_MAX_RETRIES, 'node value', "the pod's own value wins over the node's");
  const secret = structuredClone(pod);
  secret.spec!.containers[0]!.env!.push({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } });
  assert.throws(() => containerEnvironment(secret, secret.spec!.containers[0]!, {}), PodEnvironmentError);
  const limits = structuredClone(pod);
  limits.spec!.containers[0]!.env!.push({ name: 'CPU_MILLIS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } });
  assert.equal(containerEnvironment(limits, limits.spec!.containers[0]!, {}).CPU_MILLIS, '1000');
});

test('admission: the container starts with its environment, or waits as a kubelet reports it (ErrImagePull then ImagePullBackOff, CreateContainerConfigError)', () => {
  const volumesDir = mkdtempSync(join(tmpdir(), 'altus-admission-'));
  const setup = (images: AdmissionSetup['images']): AdmissionSetup => ({ images, nodeEnv: { PATH: '/usr/bin' }, volumesDir, logFile: '/logs/0-0.log' });
  const pod = podOf(3);
  const image = pod.spec!.containers[0]!.image!;

  const started = admitContainer(
    pod,
    setup(() => ({ folder: '/images/worker' })),
  );
  assert.ok('env' in started);
  assert.equal(started.env.JOB_COMPLETION_INDEX, '3');
  assert.equal(started.env.ALTUS_KERNEL_WORKDIR, '/images/worker', "the image's folder is the kernel's working directory");
  assert.equal(started.env.ALTUS_LOG_FILE, '/logs/0-0.log');
  assert.equal(started.env.PATH, '/usr/bin');

  const unpulled = admitContainer(
    pod,
    setup(() => ({ problem: 'not in the local image table' })),
  );
  assert.ok('refusal' in unpulled);
  assert.deepEqual(unpulled.refusal.waiting, { reason: 'ErrImagePull', message: `Failed to pull image "${image}": not in the local image table` });
  assert.equal(unpulled.refusal.event.reason, 'Failed');
  assert.equal(unpulled.backoff?.waiting.reason, 'ImagePullBackOff');
  assert.match(unpulled.backoff?.event.message ?? '', /^Back-off pulling image ".+": ErrImagePull: not in the local image table$/);

  const secret = structuredClone(pod);
  secret.spec!.containers[0]!.env!.push({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } });
  const unconfigured = admitContainer(
    secret,
    setup(() => ({})),
  );
  assert.ok('refusal' in unconfigured);
  assert.equal(unconfigured.refusal.waiting.reason, 'CreateContainerConfigError');
  assert.match(unconfigured.refusal.event.message, /^Error: TOKEN: .*no Secrets or ConfigMaps/);
  assert.equal(unconfigured.backoff, undefined, 'a configuration error has no back-off: it waits until the pod is deleted');
});

test('pod statuses as the kubelet reports them', () => {
  const pod = podOf(0);
  const at = new Date('2026-12-04T12:00:00Z');
  const later = new Date('2026-12-04T12:00:09Z');
  const waiting = waitingStatus(pod, { reason: 'ErrImagePull', message: 'Failed to pull image "x"' }, at);
  assert.equal(waiting.phase, 'Pending');
  assert.equal(waiting.containerStatuses?.[0]?.state?.waiting?.reason, 'ErrImagePull');
  assert.equal(runningStatus(pod, at).containerStatuses?.[0]?.state?.running?.startedAt, at);

  const crashed = terminatedStatus(pod, { exitCode: 137, startedAt: at, finishedAt: later });
  assert.equal(crashed.phase, 'Failed');
  assert.equal(crashed.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
  assert.equal(
    crashed.conditions?.find((c) => c.type === 'DisruptionTarget'),
    undefined,
    'a crash is the pod’s own failure: counted',
  );

  const done = terminatedStatus(pod, { exitCode: 0, startedAt: at, finishedAt: later });
  assert.equal(done.phase, 'Succeeded');
  assert.equal(done.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');

  for (const [disruption, reason] of [
    ['node-shutdown', 'Terminated'],
    ['eviction', 'Evicted'],
  ] as const) {
    // Even a container that exits 0 in its grace period is failed by the kubelet's decision.
    const status = terminatedStatus(pod, { exitCode: 0, startedAt: at, finishedAt: later, disruption });
    assert.equal(status.phase, 'Failed');
    assert.equal(status.reason, reason);
    const target = status.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.equal(target?.status, 'True');
    assert.equal(target?.reason, 'TerminationByKubelet');
  }
});

test('a path under a volume mount names the folder standing in for the volume (nothing is mounted without a container runtime)', () => {
  const pod = podOf(1);
  const container = {
    ...pod.spec!.containers[0]!,
    env: [
      { name: 'TMPDIR', value: '/scratch' },
      { name: 'ROWS', value: '/scratch/rows' },
      { name: 'OTHER', value: '/scratchy' },
    ],
  };
  const env = containerEnvironment(pod, container, {}, { '/scratch': '/tmp/pod-1/scratch' });
  assert.equal(env.TMPDIR, '/tmp/pod-1/scratch');
  assert.equal(env.ROWS, '/tmp/pod-1/scratch/rows');
  assert.equal(env.OTHER, '/scratchy');
});
