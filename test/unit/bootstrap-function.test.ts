/**
 * The bootstrap function applies the fleet bootstrap (jobs/fleet/bootstrap.ts,
 * unchanged) to every worker cluster and answers with what each cluster did; a
 * cluster that refuses an object makes the answer a 502 naming it, so the deploy
 * stops there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request, Response } from '@google-cloud/functions-framework';
import { buildBootstrap, type ClusterBootstrap } from '../../jobs/fleet/bootstrap.ts';
import { BootstrapApplyError, type ClusterApplyReport, type ObjectOutcome } from '../../jobs/fleet/bootstrap-apply.ts';
import { workerEgressPolicy } from '../../functions/bootstrap/egress-policy.ts';
import { PRIVATE_GOOGLE_ACCESS_CIDR } from '../../shared/private-google-access.ts';
import { createBootstrapHandler } from '../../functions/bootstrap/handler.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';

const fleetConfig = loadFleetConfig(TEST_FLEET_CONFIG);
const log = createLogger({ component: 'bootstrap-test', sink: () => {} });

/** Calls the handler as the Functions Framework would, and returns what it answered. */
async function call(
  method: string,
  apply: (plan: ClusterBootstrap[]) => Promise<ClusterApplyReport[]>,
  applyEgress: (cluster: string) => Promise<ObjectOutcome> = async () => ({ object: 'NetworkPolicy altus/altus-worker-egress', action: 'created' }),
) {
  const answer: { status?: number; body?: any; headers: Record<string, string> } = { headers: {} };
  const res = {
    setHeader: (k: string, v: string) => {
      answer.headers[k] = v;
    },
    status(code: number) {
      answer.status = code;
      return this;
    },
    json: (body: unknown) => {
      answer.body = body;
    },
  };
  await createBootstrapHandler({ fleetConfig, apply, applyEgress, log })({ method } as Request, res as unknown as Response);
  return answer;
}

test('a POST applies exactly the fleet bootstrap to every worker cluster and reports each object', async () => {
  let applied: ClusterBootstrap[] = [];
  const answer = await call('POST', async (plan) => {
    applied = plan;
    return plan.map((c) => ({ cluster: c.cluster, outcomes: [{ object: 'Namespace altus', action: 'created' as const }] }));
  });
  assert.deepEqual(applied, buildBootstrap(fleetConfig));
  assert.equal(answer.status, 200);
  assert.deepEqual(
    answer.body.clusters.map((c: { cluster: string }) => c.cluster),
    fleetConfig.clusters.map((c) => c.name),
  );
  // The egress policy goes on after the bootstrap, on every cluster.
  for (const c of answer.body.clusters)
    assert.deepEqual(
      c.outcomes.map((o: ObjectOutcome) => o.object),
      ['Namespace altus', 'NetworkPolicy altus/altus-worker-egress'],
    );
});

test('a cluster that took the bootstrap but refused the egress policy is a failure too', async () => {
  const answer = await call(
    'POST',
    async (plan) => plan.map((c) => ({ cluster: c.cluster, outcomes: [] })),
    async (cluster) => {
      if (cluster === 'worker-a') throw new Error('cannot create NetworkPolicy altus/altus-worker-egress: forbidden');
      return { object: 'NetworkPolicy altus/altus-worker-egress', action: 'unchanged' };
    },
  );
  assert.equal(answer.status, 502);
  assert.equal(answer.body.clusters[0].error, 'cannot create NetworkPolicy altus/altus-worker-egress: forbidden');
});

test('worker pods may reach only kube-dns, the GKE metadata server and Google APIs on private.googleapis.com', () => {
  const policy = workerEgressPolicy('altus');
  assert.deepEqual(policy.spec!.podSelector, {}, 'not every pod of the namespace is covered');
  assert.deepEqual(policy.spec!.policyTypes, ['Egress']);
  const destinations = policy.spec!.egress!.map((rule) => {
    const to = rule.to![0]!;
    const where = to.ipBlock
      ? to.ipBlock.cidr
      : `${to.namespaceSelector!.matchLabels!['kubernetes.io/metadata.name']}/${to.podSelector!.matchLabels!['k8s-app']}`;
    return `${where} ${rule.ports!.map((p) => `${p.protocol}/${p.port}`).join(',')}`;
  });
  assert.deepEqual(destinations, [
    'kube-system/kube-dns UDP/53,TCP/53',
    '169.254.169.254/32 TCP/80',
    '169.254.169.252/32 TCP/988',
    `${PRIVATE_GOOGLE_ACCESS_CIDR} TCP/443`,
  ]);
  for (const rule of policy.spec!.egress!) assert.equal(rule.to!.length, 1, 'a rule with a second destination widens egress');
});

test('a cluster that refuses an object makes the answer a 502 naming the cluster and the error', async () => {
  const answer = await call('POST', async (plan) =>
    plan.map((c, i) => ({
      cluster: c.cluster,
      outcomes: [],
      ...(i === 1 ? { error: new BootstrapApplyError('forbidden: Role altus/altus-job-operator', c.cluster, 'Role altus/altus-job-operator', 403) } : {}),
    })),
  );
  assert.equal(answer.status, 502);
  assert.deepEqual(answer.body.clusters[1], { cluster: 'worker-b', outcomes: [], error: 'forbidden: Role altus/altus-job-operator' });
});

test('anything but POST is refused without touching a cluster', async () => {
  const answer = await call('GET', async () => assert.fail('a GET reached the clusters'));
  assert.equal(answer.status, 405);
  assert.equal(answer.headers.Allow, 'POST');
});
