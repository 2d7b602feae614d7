/**
 * The worker pod template as GKE treats it: placed on the batch (or GPU) pool on
 * every cluster, never evicted by scale-down, ephemeral storage sized from the
 * shard with rows staged on a size-limited scratch volume, and admitted by a
 * namespace enforcing the `restricted` Pod Security Standard.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1PodSpec } from '@kubernetes/client-node';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { SAFE_TO_EVICT_ANNOTATION, WORKER_UID } from '../../../jobs/fleet/pod-hardening.ts';
import { restrictedProblems } from '../../../jobs/fleet/pod-security.ts';
import { buildBootstrap } from '../../../jobs/fleet/bootstrap.ts';
import { BATCH_POOL as INFRA_BATCH_POOL, SYSTEM_POOL } from '../../../infra/config.ts';
import { POOL_LABEL } from '../../../shared/resources.ts';
import { clusterNamed, jobRequest, requestTable, threeClusters } from '../../support/fleet-fixtures.ts';

const onDemand = clusterNamed(threeClusters, 'worker-on-demand-with-a-long-name-x40ch');
const spot = clusterNamed(threeClusters, 'worker-a');

for (const { label, request } of requestTable()) {
  test(`pod template (${label}): batch pool, safe-to-evict false, restricted, scratch at TMPDIR`, () => {
    const template = buildJob(request).spec!.template;
    const pod = template.spec!;
    assert.equal(pod.nodeSelector?.[POOL_LABEL], INFRA_BATCH_POOL, 'selects the pool infra labels its batch nodes with');
    assert.notEqual(pod.nodeSelector?.[POOL_LABEL], SYSTEM_POOL);
    assert.equal(template.metadata?.annotations?.[SAFE_TO_EVICT_ANNOTATION], 'false');
    assert.deepEqual(restrictedProblems(pod), []);
    const container = pod.containers[0]!;
    assert.equal(container.env?.find((e) => e.name === 'TMPDIR')?.value, '/tmp');
    assert.deepEqual(container.volumeMounts, [{ name: 'scratch', mountPath: '/tmp' }]);
    assert.ok(pod.volumes?.find((v) => v.name === 'scratch')?.emptyDir?.sizeLimit, 'the scratch emptyDir has a size limit');
  });
}

test("an on-demand cluster's pods select the batch pool too (not only Spot ones), so none lands on the system pool", () => {
  const pod = buildJob(jobRequest({ cluster: onDemand })).spec!.template.spec!;
  assert.deepEqual(pod.nodeSelector, { [POOL_LABEL]: 'batch' });
});

const mebibytes = (q: string | undefined) => Number(/^(\d+)Mi$/.exec(q ?? '')?.[1]);

test('ephemeral-storage requests equal limits, grow with the shard, and leave room beyond the scratch limit', () => {
  const sized = (rowsPerShard: number) => {
    const pod = buildJob(jobRequest({ cluster: spot, rowsPerShard })).spec!.template.spec!;
    const resources = pod.containers[0]!.resources!;
    assert.equal(resources.requests?.['ephemeral-storage'], resources.limits?.['ephemeral-storage']);
    const scratch = mebibytes(pod.volumes![0]!.emptyDir!.sizeLimit);
    const limit = mebibytes(resources.limits?.['ephemeral-storage']);
    assert.ok(scratch < limit, `scratch ${scratch} Mi within the pod's ${limit} Mi`);
    return { scratch, limit };
  };
  const small = sized(10);
  const large = sized(100_000);
  // 100,000 rows of up to 4 KiB, staged in and out: about 780 MiB of scratch.
  assert.ok(large.scratch >= 780, `large shard scratch ${large.scratch} Mi`);
  assert.ok(small.limit < 400, `small shard limit ${small.limit} Mi`);
});

test("the pods run as the worker image's numeric non-root user", () => {
  const pod = buildJob(jobRequest({ cluster: spot })).spec!.template.spec!;
  assert.equal(pod.securityContext?.runAsUser, WORKER_UID);
  assert.equal(pod.containers[0]!.securityContext?.readOnlyRootFilesystem, true);
});

const restrictedCases: Array<{ label: string; mutate: (pod: V1PodSpec) => void; expect: RegExp }> = [
  {
    label: 'privilege escalation allowed',
    mutate: (p) => delete p.containers[0]!.securityContext!.allowPrivilegeEscalation,
    expect: /allowPrivilegeEscalation != false/,
  },
  { label: 'capabilities not dropped', mutate: (p) => delete p.containers[0]!.securityContext!.capabilities, expect: /capabilities\.drop=\["ALL"\]/ },
  { label: 'a capability added', mutate: (p) => (p.containers[0]!.securityContext!.capabilities!.add = ['SYS_ADMIN']), expect: /must not include SYS_ADMIN/ },
  {
    label: 'runAsNonRoot unset',
    mutate: (p) => {
      delete p.securityContext!.runAsNonRoot;
      delete p.containers[0]!.securityContext!.runAsNonRoot;
    },
    expect: /runAsNonRoot != true/,
  },
  { label: 'root user', mutate: (p) => (p.securityContext!.runAsUser = 0), expect: /runAsUser=0/ },
  { label: 'no seccomp profile', mutate: (p) => delete p.securityContext!.seccompProfile, expect: /seccompProfile/ },
  { label: 'Unconfined seccomp', mutate: (p) => (p.securityContext!.seccompProfile = { type: 'Unconfined' }), expect: /seccompProfile/ },
  { label: 'a hostPath volume', mutate: (p) => p.volumes!.push({ name: 'host', hostPath: { path: '/var' } }), expect: /restricted volume types .*hostPath/ },
  { label: 'privileged', mutate: (p) => (p.containers[0]!.securityContext!.privileged = true), expect: /privileged/ },
];

for (const c of restrictedCases) {
  test(`restricted Pod Security refuses a pod with ${c.label}`, () => {
    const pod = structuredClone(buildJob(jobRequest({ cluster: spot })).spec!.template.spec!);
    c.mutate(pod);
    const problems = restrictedProblems(pod);
    assert.ok(
      problems.some((p) => c.expect.test(p)),
      `expected ${c.expect} in ${JSON.stringify(problems)}`,
    );
  });
}

test('the bootstrap namespace enforces the restricted Pod Security Standard the pods meet', () => {
  for (const { objects } of buildBootstrap(threeClusters)) {
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    assert.equal(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  }
});
