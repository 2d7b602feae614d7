/**
 * The functions' fleet loads the Kubernetes clients lazily; `connect` (dispatch
 * calls it as its instance starts) must reach through that laziness and check
 * the clusters, so the first run's dispatch pays neither the load nor the check.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFleet } from '../../../jobs/fleet/create-fleet.ts';
import { kubernetesAdmission } from '../../../jobs/fleet/admission.ts';
import { FakeApiServer } from '../../support/fake-apiserver.ts';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { clusterNamed, jobRequest, threeClusters } from '../../support/fleet-fixtures.ts';

const server = new FakeApiServer(kubernetesAdmission);
let dir = '';
let kubeconfig = '';
before(async () => {
  const baseUrl = await server.start();
  dir = mkdtempSync(join(tmpdir(), 'altus-create-fleet-'));
  kubeconfig = join(dir, 'kubeconfig');
  const clusters = ['worker-a', 'worker-b'];
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: clusters.map((name) => ({ name, cluster: { server: `${baseUrl}/clusters/${name}`, 'insecure-skip-tls-verify': true } })),
      users: [{ name: 'operator', user: { token: 'local' } }],
      contexts: clusters.map((name) => ({ name, context: { cluster: name, user: 'operator', namespace: 'altus' } })),
      'current-context': 'worker-a',
    }),
  );
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("connect loads the clients and reads each cluster's version once; an unknown cluster does not throw", async () => {
  const fleet = createFleet({ kind: 'local', kubeconfig }, threeClusters);
  const versionReads = () => server.requests.filter((r) => r.method === 'GET' && /^\/clusters\/worker-[ab]\/version/.test(r.path)).length;
  assert.ok(fleet.connect, "the functions' fleet can be connected ahead of its first call");
  await fleet.connect(['worker-a', 'worker-b', 'no-such-cluster']);
  assert.equal(versionReads(), 2);
  await fleet.createJob('worker-a', buildJob(jobRequest({ cluster: clusterNamed(threeClusters, 'worker-a'), runId: 'connected-first' })));
  assert.equal(versionReads(), 2, 'the version is not read again');
});
