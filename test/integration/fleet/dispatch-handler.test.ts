/**
 * The dispatch handler (createDispatchHandler, real Job builder, real
 * KubernetesFleet) against the fake API server: what a cluster's answer does to
 * the run. A refusal ends it FAILED with DISPATCH_FAILED and one run-finished
 * event; a duplicate is success; an unavailable cluster is rethrown so Pub/Sub
 * redelivers; a stale token is refreshed without the run noticing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createDispatchHandler } from '../../../functions/dispatch/handler.ts';
import type { Dependencies } from '../../../functions/pipeline/deps.ts';
import { guardPubSub } from '../../../functions/pipeline/poison-guard.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import type { RunDocument } from '../../../shared/documents.ts';
import { TransientError } from '../../../shared/errors.ts';
import { NO_FAULTS } from '../../../shared/faults.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { createLogger } from '../../../shared/log.ts';
import { manifestSchema } from '../../../shared/manifest.ts';
import type { DispatchMessage, TopicRole } from '../../../shared/messages.ts';
import { LocalObjectStore } from '../../../shared/storage/local-store.ts';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { gkeClusterAccess, type TokenSource } from '../../../jobs/fleet/gke-access.ts';
import { KubernetesFleet } from '../../../jobs/fleet/kubernetes-fleet.ts';

import { runObjects, type RunPlan } from '../../../shared/run-plan.ts';
import { FakeApiServer, fakeClusterAccess } from '../../support/fake-apiserver.ts';
import { MemoryRunStore } from '../../support/memory-run-store.ts';
import { TokenGate } from './token-gate.ts';
import { parsePodEnvironment, resolveWorkerEnvironment } from '../../../jobs/worker/environment.ts';

const fleetConfig = loadFleetConfig(TEST_FLEET_CONFIG);
const server = new FakeApiServer(fleetAdmission(fleetConfig));
let gate: TokenGate;
const work = mkdtempSync(join(tmpdir(), 'altus-dispatch-'));
let baseUrl = '';
let gateUrl = '';
before(async () => {
  baseUrl = await server.start();
  gate = new TokenGate(baseUrl);
  gateUrl = await gate.start();
});
after(async () => {
  await gate.stop();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

const NOW = new Date('2026-12-01T09:00:00Z');
const manifest = manifestSchema.parse(JSON.parse(readFileSync(new URL('../../../examples/book-mc.json', import.meta.url), 'utf8')));

/** A RUNNING run with its plan in the bucket, and dispatch's dependencies over the fake API server. */
async function dispatchFixture(runId: string, access = fakeClusterAccess(baseUrl), deadlineAt = new Date(NOW.getTime() + 3600_000).toISOString(), attempt = 0) {
  const runs = new MemoryRunStore();
  const store = new LocalObjectStore(work);
  const published: Array<{ role: TopicRole; message: Record<string, unknown> }> = [];
  const sleeps: number[] = [];
  const deps: Dependencies = {
    runs,
    store,
    fleet: new KubernetesFleet(access, { attempts: 3, initialDelayMilliseconds: 100, sleep: async (ms) => void sleeps.push(ms) }),
    bus: { publish: async (role: TopicRole, message: unknown) => String(published.push({ role, message: message as Record<string, unknown> })) },
    fleetConfig,
    config: { projectId: 'demo-dispatch', buckets: { manifests: 'altus-manifests', results: 'altus-results' } },
    log: createLogger({ component: 'test', minimumSeverity: 'ERROR', sink: () => undefined }),
    now: () => NOW,
    faults: NO_FAULTS,
  };
  const planUri = runObjects.plan('altus-results', runId);
  const plan: RunPlan = {
    v: 1,
    runId,
    resultsBucket: 'altus-results',
    manifest,
    kernelOptions: {},
    metrics: ['price', 'stdError'],
    quantiles: [0.5],
    parameterCount: 1000,
    shardSize: 100,
    shardCount: 10,
  };
  await store.write(planUri, JSON.stringify(plan));
  const run: RunDocument = {
    runId,
    name: runId,
    status: 'RUNNING',
    origin: { kind: 'request', requestId: runId },
    manifestHash: 'h',
    counts: { parameters: 4000, shards: 40, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: NOW.toISOString(),
    startedAt: NOW.toISOString(),
    deadlineAt,
    planUri,
    placement: [{ cluster: 'worker-a', region: 'us-central1', offset: 0, count: 40, job: '' }],
  };
  await runs.createRun(run);
  const message: DispatchMessage = { v: 1, runId, cluster: 'worker-a', attempt, shards: { offset: 0, count: 40 } };
  const event = {
    specversion: '1.0',
    id: `dispatch-${runId}`,
    source: 'test',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message: { data: Buffer.from(JSON.stringify(message)).toString('base64'), publishTime: NOW.toISOString() } },
  } as CloudEvent<unknown>;
  const runFinished = () => published.filter((p) => p.role === 'runFinished').map((p) => p.message);
  return { deps, runs, event, sleeps, runFinished, handler: createDispatchHandler(deps) };
}

const jobsOf = (runId: string) => server.jobsOn('worker-a').filter((j) => j.metadata?.labels?.['altus.dev/run-id'] === runId);

test('201: the Job is created on its cluster and the run goes on', async () => {
  const f = await dispatchFixture('run-dispatch-created');
  assert.equal(await f.handler(f.event), 'created');
  assert.equal(jobsOf('run-dispatch-created').length, 1);
  assert.equal(jobsOf('run-dispatch-created')[0]!.spec?.completions, 40);
  assert.equal((await f.runs.getRun('run-dispatch-created'))!.status, 'RUNNING');
  assert.deepEqual(f.runFinished(), []);
});

test("403: the run ends FAILED with DISPATCH_FAILED and the cluster's reason, run-finished is published once, a redelivery changes nothing", async () => {
  const f = await dispatchFixture('run-dispatch-forbidden');
  const reason =
    'jobs.batch is forbidden: User "altus-dispatch@demo-dispatch.iam.gserviceaccount.com" cannot create resource "jobs" in API group "batch" in the namespace "altus"';
  server.faults.push({ status: 403, message: reason, method: 'POST', path: /\/clusters\/worker-a\/apis\/batch\/v1\/namespaces\/altus\/jobs$/ });
  assert.equal(await f.handler(f.event), 'failed');
  const run = (await f.runs.getRun('run-dispatch-forbidden'))!;
  assert.equal(run.status, 'FAILED');
  assert.equal(run.finishedAt, NOW.toISOString());
  assert.equal(run.error?.code, 'DISPATCH_FAILED');
  assert.equal(run.error?.message, `create Job altus-run-dispatch-forbidden-worker-a-a0 on cluster worker-a was refused (HTTP 403): ${reason}`);
  assert.deepEqual(f.runFinished(), [{ v: 1, runId: 'run-dispatch-forbidden', status: 'FAILED', counts: run.counts }]);
  assert.deepEqual(f.sleeps, [], 'a refusal is not retried');
  assert.equal(jobsOf('run-dispatch-forbidden').length, 0);
  assert.equal(run.fleetCleanedUp, false, 'the finished run is left for reconcile to clean up on every cluster');

  // Pub/Sub delivers at least once: the same message again finds the run ended.
  assert.equal(await f.handler(f.event), 'skipped');
  assert.equal(f.runFinished().length, 1);
  assert.equal(jobsOf('run-dispatch-forbidden').length, 0);
});

test('409: a redelivered message finds its Job already there, which is success; the run is untouched', async () => {
  const f = await dispatchFixture('run-dispatch-duplicate');
  assert.equal(await f.handler(f.event), 'created');
  assert.equal(await f.handler(f.event), 'exists');
  const posts = server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/worker-a/apis/batch/v1/namespaces/altus/jobs'));
  assert.deepEqual(
    posts.slice(-2).map((r) => r.status),
    [201, 409],
  );
  assert.equal(jobsOf('run-dispatch-duplicate').length, 1);
  const run = (await f.runs.getRun('run-dispatch-duplicate'))!;
  assert.equal(run.status, 'RUNNING');
  assert.equal(run.error, undefined);
  assert.deepEqual(f.runFinished(), []);
});

test("503: the handler rethrows a TransientError after the fleet's retries, so the message is redelivered; the run stays RUNNING", async () => {
  const f = await dispatchFixture('run-dispatch-unavailable');
  server.faults.push(...[503, 503, 503].map((status) => ({ status, method: 'POST' })));
  await assert.rejects(f.handler(f.event), (error: unknown) => {
    assert.ok(error instanceof TransientError);
    assert.match(error.message, /create Job altus-run-dispatch-unavailable-worker-a-a0 on cluster worker-a failed after 3 attempts/);
    return true;
  });
  assert.deepEqual(f.sleeps, [100, 200]);
  assert.equal((await f.runs.getRun('run-dispatch-unavailable'))!.status, 'RUNNING');
  assert.deepEqual(f.runFinished(), []);

  // Behind the poison guard, as deployed: the function fails (Pub/Sub redelivers) and the run notes why.
  server.faults.push(...[503, 503, 503].map((status) => ({ status, method: 'POST' })));
  await assert.rejects(guardPubSub(f.deps, 'dispatch', f.handler)(f.event), TransientError);
  assert.equal((await f.runs.getRun('run-dispatch-unavailable'))!.lastError?.source, 'dispatch');

  // The redelivery, once the cluster answers again, creates the Job.
  assert.equal(await f.handler(f.event), 'created');
  assert.equal(jobsOf('run-dispatch-unavailable').length, 1);
  assert.equal((await f.runs.getRun('run-dispatch-unavailable'))!.status, 'RUNNING');
});

test('401: a token the cluster stopped taking is refreshed and the Job created; the run never sees DISPATCH_FAILED', async () => {
  let minted = 0;
  const tokens: TokenSource = async () => {
    const token = `dispatch-token-${++minted}`;
    gate.accept(token);
    return { token, expiresAtMilliseconds: Date.now() + 3600_000 };
  };
  const lookup = async (_p: string, _r: string, cluster: string) => ({
    server: `${gateUrl}/clusters/${cluster}`,
    caCertificate: gate.caCertificate,
    kind: 'ip' as const,
  });
  const f = await dispatchFixture('run-dispatch-stale-token', gkeClusterAccess(fleetConfig, lookup, tokens));
  await f.deps.fleet.listJobs('worker-a', 'altus', 'altus.dev/run-id=none'); // the instance is warm: token 1 is cached
  gate.accept(); // and now revoked
  assert.equal(await f.handler(f.event), 'created');
  assert.equal(minted, 2);
  const run = (await f.runs.getRun('run-dispatch-stale-token'))!;
  assert.equal(run.status, 'RUNNING');
  assert.equal(run.error, undefined);
  assert.deepEqual(f.runFinished(), []);
});

test("a re-dispatch late in the run gets the time left to the run's deadline, not a fresh one; past the deadline nothing is created", async () => {
  const late = await dispatchFixture('run-dispatch-late', undefined, new Date(NOW.getTime() + 600_000).toISOString(), 3);
  assert.equal(await late.handler(late.event), 'created');
  const job = jobsOf('run-dispatch-late')[0]!;
  assert.equal(job.spec?.activeDeadlineSeconds, 600);
  assert.ok(job.spec!.ttlSecondsAfterFinished! >= 600 + 2 * 1200, "the TTL outlives the deadline plus reconcile's longest grace");
  const over = await dispatchFixture('run-dispatch-over', undefined, new Date(NOW.getTime() - 1000).toISOString(), 3);
  assert.equal(await over.handler(over.event), 'skipped');
  assert.equal(jobsOf('run-dispatch-over').length, 0);
});

test("a re-dispatch's shard list travels as an object in the results bucket: dispatch writes it, the Job names it, the pod reads its shard from it", async () => {
  const f = await dispatchFixture('run-dispatch-list', undefined, undefined, 2);
  const list = [3, 17, 18, 19, 4095];
  const message: DispatchMessage = { v: 1, runId: 'run-dispatch-list', cluster: 'worker-a', attempt: 2, shards: { list } };
  const event = {
    ...f.event,
    data: { message: { data: Buffer.from(JSON.stringify(message)).toString('base64'), publishTime: NOW.toISOString() } },
  } as CloudEvent<unknown>;
  assert.equal(await f.handler(event), 'created');
  const job = jobsOf('run-dispatch-list')[0]!;
  const env = Object.fromEntries(job.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
  assert.equal(env.ALTUS_SHARD_LIST, undefined);
  const uri = env.ALTUS_SHARD_LIST_URI!;
  assert.equal(uri, `gs://altus-results/runs/run-dispatch-list/shard-lists/${job.metadata!.name}.txt`);
  assert.equal((await f.deps.store.read(uri)).toString('utf8'), '3,17-19,4095');
  const podEnv = { ...env, JOB_COMPLETION_INDEX: '4', ALTUS_STORAGE: 'local', ALTUS_LOCAL_STORAGE_DIR: work } as Record<string, string>;
  const resolved = await resolveWorkerEnvironment(parsePodEnvironment(podEnv), (u) => f.deps.store.read(u));
  assert.equal(resolved.shard, 4095);
});
