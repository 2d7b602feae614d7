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
import { BootstrapApplyError, type ClusterApplyReport } from '../../jobs/fleet/bootstrap-apply.ts';
import { createBootstrapHandler } from '../../functions/bootstrap/handler.ts';
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';

const fleetConfig = loadFleetConfig(DEFAULT_FLEET_CONFIG);
const log = createLogger({ component: 'bootstrap-test', sink: () => {} });

/** Calls the handler as the Functions Framework would, and returns what it answered. */
async function call(method: string, apply: (plan: ClusterBootstrap[]) => Promise<ClusterApplyReport[]>) {
  const answer: { status?: number; body?: any; headers: Record<string, string> } = { headers: {} };
  const res = {
    setHeader: (k: string, v: string) => void (answer.headers[k] = v),
    status(code: number) {
      answer.status = code;
      return this;
    },
    json: (body: unknown) => void (answer.body = body),
  };
  await createBootstrapHandler({ fleetConfig, apply, log })({ method } as Request, res as unknown as Response);
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
  assert.deepEqual(answer.body.clusters.map((c: { cluster: string }) => c.cluster), fleetConfig.clusters.map((c) => c.name));
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
