/**
 * The worker as a pod's lifecycle treats it: SIGTERM stops it within the grace
 * period with nothing published and no result object (a custom kernel's command
 * is stopped too), and on a fresh node it waits about 30 s for Workload
 * Identity before failing, with an injected clock and sleep.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { RunPlan } from '../../shared/run-plan.ts';
import { awaitCredentials, CredentialsUnavailableError, CREDENTIALS_WAIT_MILLISECONDS } from '../../jobs/worker/credentials.ts';
import { EXIT_RETRYABLE } from '../../jobs/worker/exit-codes.ts';
import { EXIT_TERMINATED, stopOnSigterm } from '../../jobs/worker/termination.ts';
import { runWorker, WorkerCache, type WorkerClients } from '../../jobs/worker/worker.ts';
import type { WorkerEnvironment } from '../../jobs/worker/environment.ts';
import type { Manifest } from '../../shared/manifest.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { TERMINATION_GRACE_SECONDS } from '../../jobs/fleet/job-builder.ts';
import { waitFor } from '../support/wait-for.ts';

/** A cache whose clients are the folder store and a topic that keeps what was published. */
class RecordingCache extends WorkerCache {
  readonly published: unknown[] = [];
  constructor(readonly store: LocalObjectStore) {
    super();
  }
  override clientsFor(_env: WorkerEnvironment): WorkerClients {
    const topic = { publishMessage: async (m: { json: unknown }) => String(this.published.push(m.json)) } as unknown as Topic;
    return { store: this.store, pubsub: {} as PubSub, topic: () => topic };
  }
}

const work = mkdtempSync(join(tmpdir(), 'altus-lifecycle-'));
const pidFile = join(work, 'kernel.pid');
/** A custom kernel that never answers and writes a heartbeat every 20 ms while it lives (its pid may be a PID namespace's). */
const hanging = ['node', '-e', 'const fs = require("fs"); let n = 0; setInterval(() => fs.writeFileSync(process.env.PID_FILE, String(++n)), 20)'];

async function fixture(storage: 'local' | 'gcs') {
  const store = new LocalObjectStore(work);
  const manifest = {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 't',
    kernel: { image: 'r.io/p/k:1', command: hanging, outputs: ['price'] },
    parameters: { inline: [{ a: 1 }] },
    shardSize: 1,
    aggregate: { quantiles: [0.5] },
    retries: { perShard: 0 },
    deadlineSeconds: 60,
    placement: {},
  } as unknown as Manifest;
  const plan: RunPlan = {
    v: 1,
    runId: 'life',
    resultsBucket: 'results',
    manifest,
    kernelOptions: {},
    metrics: ['price'],
    quantiles: [0.5],
    parameterCount: 1,
    shardSize: 1,
    shardCount: 1,
  };
  await store.write('gs://results/runs/life/plan.json', JSON.stringify(plan));
  const env = {
    JOB_COMPLETION_INDEX: '0',
    ALTUS_RUN_ID: 'life',
    ALTUS_PLAN_URI: 'gs://results/runs/life/plan.json',
    ALTUS_SHARD_OFFSET: '0',
    ALTUS_COMPLETIONS_TOPIC: 'projects/p/topics/c',
    ALTUS_PROJECT_ID: 'p',
    ALTUS_MAX_RETRIES: '0',
    ALTUS_STORAGE: storage,
    ALTUS_LOCAL_STORAGE_DIR: work,
    PATH: process.env.PATH,
    PID_FILE: pidFile,
  };
  return { store, env, cache: new RecordingCache(store) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("SIGTERM during a shard: the worker returns 143 within the grace period, publishes nothing (even on its last attempt), writes no result, and stops the kernel's command", async () => {
  const { store, env, cache } = await fixture('local');
  const pod = new EventEmitter() as EventEmitter & { exit: (code: number) => never };
  const exits: number[] = [];
  pod.exit = ((code: number) => void exits.push(code)) as never;
  const timers: number[] = [];
  const signal = stopOnSigterm(pod, (TERMINATION_GRACE_SECONDS - 1) * 1000, (_cb, ms) => {
    timers.push(ms);
    return {};
  });
  const started = Date.now();
  const running = runWorker(env, cache, hanging, { signal });
  await waitFor(() => existsSync(pidFile), { timeoutMs: 30_000, intervalMs: 20, what: "the kernel's first heartbeat" });
  pod.emit('SIGTERM');
  assert.equal(await running, EXIT_TERMINATED);
  assert.ok(Date.now() - started < TERMINATION_GRACE_SECONDS * 1000);
  assert.deepEqual(cache.published, [], 'no completion and no failure: a stopped shard did not fail');
  assert.equal(await store.stat('gs://results/runs/life/shards/00000.ndjson'), null);
  assert.deepEqual(timers, [(TERMINATION_GRACE_SECONDS - 1) * 1000], "a hard exit is armed before the kubelet's SIGKILL");
  // A heartbeat that stopped has no event to wait on: look twice, further apart than its beat.
  await sleep(300);
  const beat = readFileSync(pidFile, 'utf8');
  await sleep(300);
  assert.equal(readFileSync(pidFile, 'utf8'), beat, "the kernel's command was stopped too (its heartbeat stopped)");
});

test('no credentials on a fresh node: the worker keeps asking for about 30 s, then fails retryably before reading anything', async () => {
  const { env: podEnv, cache } = await fixture('gcs');
  const env = { ...podEnv, ALTUS_MAX_RETRIES: '3' };
  let clock = 0;
  let asked = 0;
  const code = await runWorker(env, cache, hanging, {
    credentials: {
      token: async () => {
        asked++;
        throw new Error('metadata server: no identity yet');
      },
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    },
  });
  assert.equal(code, EXIT_RETRYABLE);
  assert.ok(clock >= CREDENTIALS_WAIT_MILLISECONDS && clock <= CREDENTIALS_WAIT_MILLISECONDS + 1, `waited ${clock} ms`);
  assert.ok(asked > 5);
  assert.deepEqual(cache.published, [], 'not the last attempt: the Job tries the index again');
});

const credentialCases = [
  { label: 'available at once', failures: 0, sleeps: [] as number[] },
  { label: 'available after 4 s (the metadata server came up)', failures: 4, sleeps: [500, 1000, 2000, 4000] },
  { label: 'available after 12 s', failures: 6, sleeps: [500, 1000, 2000, 4000, 5000, 5000] },
];
for (const c of credentialCases) {
  test(`credentials ${c.label}: waited with doubling pauses, then the worker goes on`, async () => {
    let clock = 0;
    let failures = c.failures;
    const sleeps: number[] = [];
    const attempts = await awaitCredentials({
      token: async () => {
        if (failures-- > 0) throw new Error('not yet');
        return 'token';
      },
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    assert.equal(attempts, c.failures + 1);
    assert.deepEqual(sleeps, c.sleeps);
  });
}

test('credentials that never come fail after the wait with the last error as cause', async () => {
  let clock = 0;
  await assert.rejects(
    awaitCredentials({
      token: async () => Promise.reject(new Error('403 from the metadata server')),
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    }),
    (error: unknown) =>
      error instanceof CredentialsUnavailableError &&
      /after \d+ attempts over 30 s: 403 from the metadata server/.test(error.message) &&
      error.cause instanceof Error,
  );
});
