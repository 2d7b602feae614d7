/**
 * Least privilege in the worker clusters: each identity's Role allows exactly
 * the requests that identity's code makes, no more. Dispatch and reconcile run
 * (real handlers, real KubernetesFleet) against the fake API server through
 * every path that touches a cluster (create, a redelivered create, a stalled
 * Job, a finished run's clean-up); each request is turned into the RBAC verb and
 * resource the API server would authorize, and compared with the Role.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { V1Job } from '@kubernetes/client-node';
import { createReconcileHandler } from '../../../functions/reconcile/handler.ts';
import { reconcileRun } from '../../../functions/reconcile/reconcile-run.ts';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { DISPATCH_RULES, RECONCILE_RULES, rulesAllow } from '../../../jobs/fleet/bootstrap.ts';
import { KubernetesFleet } from '../../../jobs/fleet/kubernetes-fleet.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { FakeApiServer, type SeenRequest, fakeClusterAccess } from '../../support/fake-apiserver.ts';
import { NOW, reconcileFixture } from '../../support/reconcile-fixture.ts';

const server = new FakeApiServer(fleetAdmission(loadFleetConfig(TEST_FLEET_CONFIG)));
let baseUrl = '';
before(async () => {
  baseUrl = await server.start();
});
after(() => server.stop());

/** The (verb, group/resource) the API server's RBAC authorizer sees for a request; undefined for non-resource URLs (/version, readable by every authenticated user). */
function authorized(request: SeenRequest): string | undefined {
  const m = /^\/clusters\/[^/]+\/(?:api\/v1|apis\/([^/]+)\/v1)\/namespaces\/[^/]+\/([a-z]+)(?:\/([^/]+))?$/.exec(request.path);
  if (!m) return undefined;
  const [, group = '', resource, name] = m;
  const verb = { POST: 'create', GET: name ? 'get' : 'list', DELETE: name ? 'delete' : 'deletecollection', PUT: 'update' }[request.method]!;
  return `${verb} ${group}/${resource}`;
}

const fleet = () => new KubernetesFleet(fakeClusterAccess(baseUrl), { attempts: 2, initialDelayMilliseconds: 1, sleep: async () => undefined });

/** The requests `work` made, as RBAC sees them. */
async function requestsOf(work: () => Promise<void>): Promise<Set<string>> {
  const from = server.requests.length;
  await work();
  return new Set(
    server.requests
      .slice(from)
      .map(authorized)
      .filter((r): r is string => r !== undefined),
  );
}

/** Every (verb, resource) the rules grant. */
function granted(rules: typeof DISPATCH_RULES): Set<string> {
  return new Set(
    (rules ?? []).flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${v} ${g}/${res}`)))),
  );
}

test("dispatch's Role grants exactly what dispatch does: create Jobs, and get one after a 409", async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('rbac-dispatch', 3);
  const job = f.putJob(run, {});
  const used = await requestsOf(async () => {
    const k = fleet();
    await k.createJob('worker-a', job);
    await k.createJob('worker-a', job);
  });
  assert.deepEqual([...used].sort(), ['create batch/jobs', 'get batch/jobs']);
  assert.deepEqual([...granted(DISPATCH_RULES)].sort(), [...used].sort());
});

test("reconcile's Role grants exactly what reconcile does: list and get Jobs, list pods and events, delete Jobs; dispatch's Role cannot do those", async () => {
  const f = reconcileFixture();
  f.deps.fleet = fleet();
  const run = await f.runningRun('rbac-reconcile', 3);
  const job = f.putJob(run, {});
  await fleet().createJob('worker-a', job);
  const name = job.metadata!.name!;
  server.editJob('worker-a', name, (j: V1Job) => {
    j.metadata!.creationTimestamp = new Date(NOW.getTime() - 10 * 60_000);
    j.status = { active: 3, ready: 0 };
  });
  server.putPod('worker-a', {
    metadata: { name: `${name}-0-abcde`, namespace: 'altus', labels: { 'batch.kubernetes.io/job-name': name } },
    status: {
      phase: 'Pending',
      containerStatuses: [
        { name: 'worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } },
      ],
    },
  });
  const used = await requestsOf(async () => {
    await reconcileRun(f.deps, run); // the stall: pods, events, the run fails and its Jobs are deleted
    await createReconcileHandler(f.deps)({
      specversion: '1.0',
      id: 't',
      source: 't',
      type: 't',
      data: { message: { data: Buffer.from('{"v":1}').toString('base64') } },
    } as never);
  });
  for (const request of used) assert.ok(rulesAllow(RECONCILE_RULES, ...split(request)), `reconcile's Role must allow ${request}`);
  assert.deepEqual([...used].sort(), ['delete batch/jobs', 'list /events', 'list /pods', 'list batch/jobs']);
  // get is granted for reading one Job back; everything granted beyond what was used here is named.
  assert.deepEqual(
    [...granted(RECONCILE_RULES)].filter((g) => !used.has(g)),
    ['get batch/jobs'],
  );
  for (const request of used) assert.equal(rulesAllow(DISPATCH_RULES, ...split(request)), false, `dispatch must not ${request}`);
  for (const verb of ['create', 'deletecollection', 'update', 'patch', 'watch'])
    assert.equal(rulesAllow(RECONCILE_RULES, verb, 'batch', 'jobs'), false, `reconcile must not ${verb} Jobs`);
  assert.equal(rulesAllow(RECONCILE_RULES, 'get', '', 'pods/log'), false);
  assert.equal(rulesAllow(RECONCILE_RULES, 'delete', '', 'pods'), false);
});

function split(request: string): [string, string, string] {
  const [verb, groupResource] = request.split(' ') as [string, string];
  const [group, resource] = groupResource.split('/') as [string, string];
  return [verb, group, resource];
}
