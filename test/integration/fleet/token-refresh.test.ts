/**
 * Bearer tokens against an API server that checks them (the fake API server behind
 * a token gate, over TLS with the cluster CA the access was given): a token is
 * replaced before it expires, a 401 is retried once with refreshed credentials,
 * and only a refusal of fresh credentials is permanent.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { OAuth2Client, type GoogleAuth } from 'google-auth-library';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { FleetRequestError } from '../../../jobs/fleet/fleet.ts';
import {
  adcTokenSource,
  gkeClusterAccess,
  reusedTokens,
  TOKEN_REFRESH_MARGIN_MILLISECONDS,
  type AccessToken,
  type TokenSource,
} from '../../../jobs/fleet/gke-access.ts';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { KubernetesFleet } from '../../../jobs/fleet/kubernetes-fleet.ts';
import { FakeApiServer } from '../../support/fake-apiserver.ts';
import { clusterNamed, jobRequest, threeClusters } from '../../support/fleet-fixtures.ts';
import { TokenGate } from './token-gate.ts';

const HOUR = 3600_000;
const server = new FakeApiServer(fleetAdmission(threeClusters));
let gate: TokenGate;
let gateUrl = '';
before(async () => {
  gate = new TokenGate(await server.start());
  gateUrl = await gate.start();
});
after(async () => {
  await gate.stop();
  await server.stop();
});

/** Application Default Credentials as the tests drive them: numbered tokens valid for an hour, which the gate accepts once minted. */
class FakeAdc {
  now = Date.parse('2026-12-01T08:00:00Z');
  readonly calls: Array<{ forceRefresh: boolean }> = [];
  private minted = 0;
  /** Whether a minted token is accepted by the gate (false: the cluster refuses every token). */
  acceptsNew = true;

  readonly source: TokenSource = async (options) => {
    this.calls.push({ forceRefresh: options?.forceRefresh === true });
    const token: AccessToken = { token: `token-${++this.minted}`, expiresAtMilliseconds: this.now + HOUR };
    if (this.acceptsNew) gate.accept(token.token);
    return token;
  };
}

let adc: FakeAdc;
let sleeps: number[];
let fleet: KubernetesFleet;
beforeEach(() => {
  adc = new FakeAdc();
  sleeps = [];
  gate.accept();
  gate.seen.length = 0;
  const lookup = async (_project: string, _region: string, cluster: string) => ({
    server: `${gateUrl}/clusters/${cluster}`,
    caCertificate: gate.caCertificate,
    kind: 'ip' as const,
  });
  const access = gkeClusterAccess(threeClusters, lookup, adc.source, () => adc.now);
  fleet = new KubernetesFleet(access, { attempts: 4, initialDelayMilliseconds: 100, sleep: async (ms) => void sleeps.push(ms) });
});

const workerA = clusterNamed(threeClusters, 'worker-a');
const job = (runId: string) => buildJob(jobRequest({ cluster: workerA, runId }));

test('one token serves every request until shortly before it expires, then a new one is used; none is refused', async () => {
  assert.equal(await fleet.createJob('worker-a', job('run-token-early')), 'created');
  adc.now += HOUR - TOKEN_REFRESH_MARGIN_MILLISECONDS - 60_000;
  assert.equal((await fleet.listJobs('worker-a', 'altus', 'altus.dev/run-id=run-token-early')).length, 1);
  adc.now += 2 * 60_000;
  assert.equal(await fleet.createJob('worker-a', job('run-token-late')), 'created');
  // The first request to a cluster reads its server version (once per process).
  assert.deepEqual(gate.seen, ['token-1', 'token-1', 'token-1', 'token-2']);
  assert.deepEqual(adc.calls, [{ forceRefresh: false }, { forceRefresh: false }]);
  assert.deepEqual(sleeps, []);
});

test('a token the cluster stopped taking (401) is refreshed and the request retried at once: the Job is created', async () => {
  assert.equal(await fleet.createJob('worker-a', job('run-revoked-before')), 'created');
  gate.accept(); // token-1 revoked (or expired early, clock skew): the next request is refused.
  assert.equal(await fleet.createJob('worker-a', job('run-revoked-after')), 'created');
  // The version read, the first create, the refused create, the create with the new token.
  assert.deepEqual(gate.seen, ['token-1', 'token-1', 'token-1', 'token-2']);
  assert.deepEqual(adc.calls, [{ forceRefresh: false }, { forceRefresh: true }]);
  assert.deepEqual(sleeps, [], 'no backoff: a refreshed token needs none');
  assert.equal(server.jobsOn('worker-a').filter((j) => j.metadata?.labels?.['altus.dev/run-id'] === 'run-revoked-after').length, 1);
});

test('list and delete recover from a 401 the same way', async () => {
  await fleet.createJob('worker-a', job('run-revoked-list'));
  gate.accept();
  assert.equal((await fleet.listJobs('worker-a', 'altus', 'altus.dev/run-id=run-revoked-list')).length, 1);
  gate.accept();
  assert.equal(await fleet.deleteJobs('worker-a', 'altus', 'altus.dev/run-id=run-revoked-list'), 1);
  assert.deepEqual(
    adc.calls.map((c) => c.forceRefresh),
    [false, true, true],
  );
});

test('a 401 for the refreshed token too is permanent: refreshed once, then a FleetRequestError with HTTP 401', async () => {
  assert.deepEqual(await fleet.listJobs('worker-a', 'altus', 'altus.dev/run-id=none'), []);
  await fleet.createJob('worker-a', job('run-authorized-first'));
  gate.seen.length = 0;
  gate.accept();
  adc.acceptsNew = false;
  await assert.rejects(fleet.createJob('worker-a', job('run-unauthorized')), (error: unknown) => {
    assert.ok(error instanceof FleetRequestError);
    assert.equal(error.status, 401);
    assert.match(
      error.message,
      /^create Job altus-run-unauthorized-worker-a-a0 on cluster worker-a was refused even with refreshed credentials \(HTTP 401\): Unauthorized$/,
    );
    return true;
  });
  assert.deepEqual(gate.seen, ['token-1', 'token-2']);
  assert.deepEqual(
    adc.calls.map((c) => c.forceRefresh),
    [false, true],
  );
});

test('reused tokens: concurrent callers share one request; a token of unknown expiry is asked for again each time', async () => {
  let asked = 0;
  const slow: TokenSource = async () => {
    asked += 1;
    await new Promise((r) => setTimeout(r, 10));
    return { token: `t${asked}`, expiresAtMilliseconds: Date.now() + HOUR };
  };
  const shared = reusedTokens(slow);
  const tokens = await Promise.all([shared(), shared(), shared()]);
  assert.deepEqual(
    tokens.map((t) => t.token),
    ['t1', 't1', 't1'],
  );
  assert.equal(asked, 1);
  let unknown = 0;
  const noExpiry = reusedTokens(async () => ({ token: `u${++unknown}` }));
  await noExpiry();
  await noExpiry();
  assert.equal(unknown, 2);
});

test('ADC tokens carry their expiry, and a forced refresh replaces a token the client still thinks valid', async () => {
  const client = new OAuth2Client();
  const expiry = Date.now() + HOUR;
  client.setCredentials({ access_token: 'cached', expiry_date: expiry });
  let refreshes = 0;
  client.refreshHandler = async () => ({ access_token: `refreshed-${++refreshes}`, expiry_date: expiry + HOUR });
  const source = adcTokenSource({ getClient: async () => client } as unknown as GoogleAuth);
  assert.deepEqual(await source(), { token: 'cached', expiresAtMilliseconds: expiry });
  assert.deepEqual(await source({ forceRefresh: true }), { token: 'refreshed-1', expiresAtMilliseconds: expiry + HOUR });
  assert.deepEqual(await source(), { token: 'refreshed-1', expiresAtMilliseconds: expiry + HOUR });
  assert.equal(refreshes, 1);
});
