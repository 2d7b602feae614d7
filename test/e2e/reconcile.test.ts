/**
 * Reconcile recovers what at-least-once delivery and a disposable fleet lose:
 * dropped completion events, an index killed on its last attempt, a worker
 * cluster lost mid-run. Faults are injected at the infrastructure (Pub/Sub push
 * config, the local fleet), on a stack of its own so other suites are not disturbed.
 *
 * @own-stack
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { down, up } from '../../scripts/cli/stack-control.ts';
import type { StackInfo } from '../../scripts/stack/state.ts';
import { submitLocal } from '../../scripts/cli/submit.ts';
import { baseManifest, resultsText, runManifest, stackClients, waitForRun, writeManifest } from '../support/stack.ts';
import { waitFor } from '../support/wait-for.ts';

const home = mkdtempSync(join(tmpdir(), 'altus-reconcile-'));
let stack: StackInfo;

before(async () => {
  stack = (await up(home)).info;
});
after(async () => {
  await down(home);
});

const mcBook = (paths: number, count: number) => ({
  kernel: { name: 'european-option-mc', paths, seed: 5 },
  parameters: {
    random: {
      count,
      seed: 1,
      base: { type: 'call', rate: 0.02, maturity: 1 },
      fields: { spot: { uniform: [90, 110] }, strike: { uniform: [90, 110] }, volatility: { uniform: [0.1, 0.4] } },
    },
  },
  shardSize: 1,
});

type FleetView = Array<{ name: string; down: boolean; jobs: Array<{ name: string; runId?: string; status: { succeeded?: number; active?: number } }> }>;
const fleetView = async () => (await (await fetch(`${stack.localFleetUrl}/_altus/clusters`)).json()) as FleetView;
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMilliseconds = 60_000): Promise<T> {
  return waitFor(probe, { timeoutMs: timeoutMilliseconds, what, intervalMs: 100 });
}

describe('reconcile', { timeout: 600_000 }, () => {
  test('completion events dropped on the way: recovered from the results, same aggregates as a clean run', async () => {
    const manifest = baseManifest({ name: 'dropped', ...mcBook(20_000, 12) });
    const clean = await runManifest(stack, writeManifest('clean-dropped.json', manifest));
    const blackhole = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const { pubsub } = stackClients(stack);
    const subscription = pubsub.subscription('altus-completions-push');
    const [metadata] = await subscription.getMetadata();
    await subscription.modifyPushConfig({ pushEndpoint: `http://127.0.0.1:${(blackhole.address() as { port: number }).port}/projects/x/topics/y` });
    try {
      const { runId } = await submitLocal(stack, writeManifest('dropped.json', manifest));
      await until('every Job index to complete', async () => {
        const jobs = (await fleetView()).flatMap((c) => c.jobs.filter((j) => j.runId === runId));
        return jobs.length > 0 && jobs.reduce((n, j) => n + (j.status.succeeded ?? 0), 0) === 12 ? true : undefined;
      });
      await subscription.modifyPushConfig({ pushEndpoint: metadata.pushConfig!.pushEndpoint! });
      const run = await waitForRun(stackClients(stack).runs, runId, 120_000);
      assert.equal(run.status, 'SUCCEEDED');
      assert.equal(resultsText(run), resultsText(clean));
      assert.equal(JSON.stringify(run.aggregates), JSON.stringify(clean.aggregates));
    } finally {
      await subscription.modifyPushConfig({ pushEndpoint: metadata.pushConfig!.pushEndpoint! });
      blackhole.close();
    }
  });

  test('an index killed on its last attempt ends the run PARTIAL with the shard and its reason', async () => {
    const manifest = baseManifest({ name: 'killed', ...mcBook(40_000_000, 4), retries: { perShard: 0 } });
    const { runId } = await submitLocal(stack, writeManifest('killed.json', manifest));
    await until('a running pod', async () =>
      (await fleetView()).some((c) => c.jobs.some((j) => j.runId === runId && (j.status.active ?? 0) > 0)) ? true : undefined,
    );
    const res = await fetch(`${stack.localFleetUrl}/_altus/runs/${runId}/kill?count=1`, { method: 'POST' });
    assert.equal(((await res.json()) as { killed: number }).killed, 1);
    const run = await waitForRun(stackClients(stack).runs, runId, 180_000);
    assert.equal(run.status, 'PARTIAL');
    assert.equal(run.counts.shardsFailed, 1);
    assert.equal(run.counts.shardsSucceeded, 3);
    assert.equal(run.error?.code, 'SHARDS_FAILED');
    assert.match(run.failedShards![0]!.reason, /retries exhausted/);

    // altus retry: the failed shard goes again as a new attempt and the same run finishes SUCCEEDED.
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cli/main.ts', 'retry', runId, '--wait', '--json'], {
      env: { ...process.env, ALTUS_HOME: home },
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    const retried = JSON.parse(cli.stdout) as typeof run;
    assert.equal(retried.runId, runId);
    assert.equal(retried.status, 'SUCCEEDED');
    assert.equal(retried.counts.shardsFailed, 0);
    assert.equal(retried.failedShards, undefined);
    assert.equal(retried.error, undefined);
    assert.equal(resultsText(retried).trim().split('\n').length, 4);
    assert.equal(retried.redispatches?.at(-1)?.reason, 'retry by hand');
  });

  test('a worker cluster lost mid-run: its shards finish on the other, results identical to a clean run', async () => {
    const manifest = baseManifest({ name: 'lost-cluster', ...mcBook(8_000_000, 24) });
    const clean = await runManifest(stack, writeManifest('clean-lost.json', manifest), 180_000);
    const { runId } = await submitLocal(stack, writeManifest('lost.json', manifest));
    await until('worker-b to run the Job', async () =>
      (await fleetView()).find((c) => c.name === 'worker-b')?.jobs.some((j) => j.runId === runId && (j.status.active ?? 0) > 0) ? true : undefined,
    );
    await fetch(`${stack.localFleetUrl}/_altus/clusters/worker-b/down`, { method: 'POST' });
    try {
      const run = await waitForRun(stackClients(stack).runs, runId, 240_000);
      assert.equal(run.status, 'SUCCEEDED');
      assert.ok(
        run.redispatches?.some((r) => r.cluster === 'worker-a' && /worker-b/.test(r.reason)),
        JSON.stringify(run.redispatches),
      );
      assert.equal(resultsText(run), resultsText(clean));
      assert.equal(JSON.stringify(run.aggregates), JSON.stringify(clean.aggregates));
    } finally {
      await fetch(`${stack.localFleetUrl}/_altus/clusters/worker-b/up`, { method: 'POST' });
    }
  });
});
