/**
 * The dashboard's HTTP API over the Firestore emulator of the test stack (a
 * project of its own per test file, so other tests' runs do not show), served by
 * a real HTTP server; and the stack's own dashboard serving a real run.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createFirestore } from '../../shared/clients.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { runCost } from '../../shared/cost.ts';
import type { RunDocument, ShardDocument } from '../../shared/documents.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';
import { FirestoreRunStore } from '../../shared/run-store.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { createDashboard } from '../../functions/dashboard/app.ts';
import { FirestoreShardQueries } from '../../shared/shard-queries.ts';
import { webAssets } from '../../functions/dashboard/web/assets.ts';
import { failedParametersAnswerSchema, runDetailSchema, runsAnswerSchema } from '../../shared/dashboard-api.ts';
import { baseManifest, runManifest, testStack, writeManifest } from '../support/stack.ts';

const NOW = new Date('2026-03-02T10:00:30Z');
const bucket = 'altus-results';
/** The finished run's cost: 2 shards on worker-a and 3 on worker-b, one pod-hour each, at the test fleet's prices. */
const COST = runCost(
  loadFleetConfig(TEST_FLEET_CONFIG),
  undefined,
  [0, 1, 2, 3, 4].map((s) => ({ cluster: s < 2 ? 'worker-a' : 'worker-b', cpuSeconds: 3000, wallSeconds: 3600 })),
);
let server: Server;
let base: string;
let dashboardDeps: Parameters<typeof createDashboard>[0];
const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-dashboard-')));

function run(overrides: Partial<RunDocument>): RunDocument {
  return {
    runId: 'r',
    name: 'book',
    status: 'RUNNING',
    origin: { kind: 'request', requestId: 'r' },
    manifestHash: 'h',
    kernel: 'black-scholes',
    counts: { parameters: 50, shards: 5, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: '2026-03-02T10:00:00Z',
    startedAt: '2026-03-02T10:00:02Z',
    placement: [
      { cluster: 'worker-a', region: 'us-central1', offset: 0, count: 3, job: 'altus-r-worker-a-a0' },
      { cluster: 'worker-b', region: 'europe-west1', offset: 3, count: 2, job: 'altus-r-worker-b-a0' },
    ],
    ...overrides,
  };
}

function shard(s: number, cluster: string, overrides: Partial<ShardDocument> = {}): ShardDocument {
  return {
    shard: s,
    status: 'succeeded',
    attempt: 0,
    cluster,
    parameters: 10,
    parametersFailed: 0,
    cpuSeconds: 1,
    recordedAt: NOW.toISOString(),
    ...overrides,
  };
}

async function get(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers; text: string }> {
  const res = await fetch(base + path, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, headers: res.headers, text };
}

before(async () => {
  const stack = testStack();
  // A project of this file's own: the runs list sees only the runs seeded here.
  const db = createFirestore({ projectId: `demo-dashboard-${process.pid}`, firestoreEmulatorHost: stack.firestoreEmulatorHost });
  const runs = new FirestoreRunStore(db);
  const going = run({ runId: 'going', redispatches: [{ attempt: 1, cluster: 'worker-b', shards: [1], reason: 'lost', at: '2026-03-02T10:00:20Z' }] });
  const rows = (first: number, errors: number[]) =>
    Array.from({ length: 10 }, (_, i) =>
      JSON.stringify(
        errors.includes(first + i)
          ? { index: first + i, params: { spot: -1 }, error: 'spot must be > 0' }
          : { index: first + i, params: { spot: 42 }, price: 4.75 },
      ),
    ).join('\n') + '\n';
  const result = (s: number) => `gs://${bucket}/runs/going/shards/00000${s}.ndjson`;
  await store.write(result(0), rows(0, [3, 7]));
  await store.write(result(1), rows(10, [12]));
  await runs.createRun(going);
  await runs.recordShard('going', shard(0, 'worker-a', { resultUri: result(0), parametersFailed: 2 }), going.counts.shards);
  await runs.recordShard('going', shard(1, 'worker-b', { attempt: 1, resultUri: result(1), parametersFailed: 1 }), going.counts.shards);
  await runs.recordShard(
    'going',
    shard(3, 'worker-b', { status: 'failed', parameters: 0, error: 'bad input: the parameter file changed' }),
    going.counts.shards,
  );

  const resultsUri = `gs://${bucket}/runs/done/results.ndjson`;
  await store.write(resultsUri, '{"index":0,"params":{"spot":42},"price":4.75}\n');
  const aggregates = {
    price: { count: 1, mean: 4.75, stddev: 0, min: 4.75, max: 4.75, quantiles: { '0.5': 4.75 }, histogram: { edges: [4.75, 4.75], counts: [1] } },
  };
  await runs.createRun(
    run({
      runId: 'done',
      name: 'finished book',
      status: 'PARTIAL',
      createdAt: '2026-03-01T09:00:00Z',
      startedAt: '2026-03-01T09:00:01Z',
      finishedAt: '2026-03-01T09:01:01Z',
      counts: { parameters: 50, shards: 5, shardsSucceeded: 4, shardsFailed: 1, parametersFailed: 3 },
      error: { code: 'SHARDS_FAILED', message: '1 of 5 shards failed for good; results cover the rest' },
      aggregates,
      results: { uri: resultsUri, path: store.localPath(resultsUri) },
      cpuSeconds: 12.5,
      cost: COST,
      risk: RISK,
    }),
  );
  dashboardDeps = {
    runs,
    shards: new FirestoreShardQueries(db),
    store,
    log: createLogger({ component: 'dashboard-test', minimumSeverity: 'ERROR' }),
    now: () => NOW,
    regions: { 'worker-a': 'us-central1', 'worker-b': 'europe-west1' },
    projectId: 'demo',
  };
  const app = createDashboard(dashboardDeps);
  server = createServer((req, res) => void app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});

after(() => server?.close());

const RISK = { pnl: { count: 50, var: { '0.99': 1200.5 }, es: { '0.99': 1500.25 }, relativeAccuracy: 0.005 } };

describe('dashboard API', () => {
  test('runs list: newest first; progress from the shard records while running, from the counts once ended', async () => {
    const { status, body } = await get('api/runs');
    assert.equal(status, 200);
    runsAnswerSchema.parse(body);
    assert.deepEqual(
      body.runs.map((r: { runId: string }) => r.runId),
      ['going', 'done'],
    );
    const [going, done] = body.runs;
    assert.deepEqual(going.progress, { total: 5, done: 3, failed: 1 });
    assert.equal(going.durationSeconds, 28, 'from start to now while running');
    assert.deepEqual(done.progress, { total: 5, done: 5, failed: 1 });
    assert.equal(done.durationSeconds, 60);
    assert.equal(done.error.code, 'SHARDS_FAILED');
  });

  test('run page: per-cluster progress follows placement and re-dispatches; failed shards carry cluster and reason', async () => {
    const { body } = await get('api/runs/going');
    runDetailSchema.parse(body);
    assert.deepEqual(
      body.progress.clusters.map((c: Record<string, unknown>) => [c.cluster, c.region, c.total, c.done, c.failed]),
      [
        ['worker-a', 'us-central1', 2, 1, 0],
        ['worker-b', 'europe-west1', 3, 2, 1],
      ],
    );
    assert.deepEqual(body.failedShards, [{ shard: 3, cluster: 'worker-b', attempt: 0, reason: 'bad input: the parameter file changed' }]);
    assert.deepEqual(body.redispatches, [{ attempt: 1, cluster: 'worker-b', shards: 1, reason: 'lost', at: '2026-03-02T10:00:20Z' }]);
    assert.equal(body.timings.queuedSeconds, 2);
    assert.deepEqual(body.aggregates, {}, 'no aggregates before the run ends');
    assert.equal(body.results, undefined);
    assert.equal(body.cost, undefined);
  });

  test('finished run: aggregates with histogram, quantile levels, timings, cost when present, a results download', async () => {
    const { body } = await get('api/runs/done');
    runDetailSchema.parse(body);
    assert.deepEqual(body.aggregates.price.histogram, { edges: [4.75, 4.75], counts: [1] });
    assert.deepEqual(body.quantileLevels, ['0.5']);
    assert.equal(body.timings.runningSeconds, 60);
    assert.equal(body.timings.cpuSeconds, 12.5);
    assert.deepEqual(body.cost, COST);
    assert.deepEqual(body.risk, RISK, 'run-level VaR and ES for the histogram marks and the risk table');
    assert.ok(Math.abs(body.cost.estimatedUsd - 0.0093 * 2 - 0.0101 * 3) < 1e-12, "one vCPU-hour per shard at each cluster's Spot price");
    assert.ok(body.cost.savingsPercent > 0 && body.cost.savingsPercent < 100);
    assert.deepEqual(body.results, { uri: `gs://${bucket}/runs/done/results.ndjson`, format: 'ndjson', downloadPath: 'api/runs/done/results.ndjson' });
    const download = await get(body.results.downloadPath);
    assert.equal(download.status, 200);
    assert.equal(download.text, '{"index":0,"params":{"spot":42},"price":4.75}\n');
    assert.match(download.headers.get('content-disposition')!, /attachment; filename="done-results.ndjson"/);
  });

  test('failed parameter sets: the error rows of the shards that had any, in index order, bounded by limit', async () => {
    const all = await get('api/runs/going/failed-parameters');
    failedParametersAnswerSchema.parse(all.body);
    assert.deepEqual(
      all.body.rows.map((r: { index: number; shard: number }) => [r.index, r.shard]),
      [
        [3, 0],
        [7, 0],
        [12, 1],
      ],
    );
    assert.equal(all.body.rows[0].error, 'spot must be > 0');
    assert.deepEqual(all.body.rows[0].params, { spot: -1 });
    assert.equal(all.body.total, undefined, 'no total while running');
    const two = await get('api/runs/going/failed-parameters?limit=2');
    assert.equal(two.body.rows.length, 2);
    const ended = await get('api/runs/done/failed-parameters');
    assert.equal(ended.body.total, 3);
  });

  test('read-only, validated and safe: 405, 400, 404; the page has a strict CSP; the bundle it names is served and parses', async () => {
    assert.equal((await get('api/runs', { method: 'POST' })).status, 405);
    assert.equal((await get('api/runs/going', { method: 'DELETE' })).status, 405);
    assert.equal((await get('api/runs/NOT_AN_ID')).status, 400);
    assert.equal((await get('api/runs/..%2F..%2Fetc')).status, 400);
    assert.equal((await get('api/runs/missing')).status, 404);
    assert.equal((await get('api/runs/going/results.ndjson')).status, 404, 'no results before the run ends');
    assert.equal((await get('nope')).status, 404);
    assert.equal((await get('assets/app-0000000000000000.js')).status, 404, 'an asset of another build');
    const page = await get('');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(
      scripts.map((src) => /^assets\/app-[0-9a-f]{16}\.js$/.test(src)),
      [true],
      'one script, named by its content',
    );
    assert.equal(page.text.includes('<script>'), false, 'no inline script');
    const script = await get(scripts[0]!);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type')!, /javascript/);
    assert.match(script.headers.get('cache-control')!, /immutable/);
    assert.doesNotThrow(() => new Function(script.text));
    const style = /<link rel="stylesheet" href="(assets\/app-[0-9a-f]{16}\.css)">/.exec(page.text)?.[1];
    assert.ok(style, 'one style sheet, named by its content');
    assert.match((await get(style)).text, /\.uplot/, "uPlot's style is in it");
  });

  test('without a built bundle the API still answers and the page says how to build it', async () => {
    const missing = createDashboard(dashboardDeps, () => webAssets(join(tmpdir(), 'altus-no-such-bundle')));
    const local = createServer((req, res) => void missing(req, res));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(local.address() as { port: number }).port}/`;
      const page = await fetch(url);
      assert.equal(page.status, 503);
      assert.match(((await page.json()) as { error: string }).error, /npm run build:dashboard/);
      assert.equal((await fetch(`${url}api/runs`)).status, 200);
    } finally {
      local.close();
    }
  });
});

describe('the local stack serves the dashboard', () => {
  test('a finished run through the stack has a histogram per metric on its page', async () => {
    const stack = testStack();
    const done = await runManifest(
      stack,
      writeManifest(
        'dash.json',
        baseManifest({
          name: 'dashboard-e2e',
          parameters: {
            grid: { base: { type: 'call', spot: 100, rate: 0.05, maturity: 1, volatility: 0.2 }, axes: { strike: { from: 50, to: 150, steps: 60 } } },
          },
          shardSize: 20,
        }),
      ),
    );
    const res = await fetch(`${stack.dashboardUrl}api/runs/${done.runId}`);
    const body = (await res.json()) as {
      summary: { status: string };
      aggregates: Record<string, { histogram: { counts: number[] } }>;
      progress: { clusters: unknown[] };
    };
    assert.equal(body.summary.status, 'SUCCEEDED');
    assert.equal(body.progress.clusters.length, 2);
    for (const [metric, aggregate] of Object.entries(body.aggregates)) {
      assert.equal(
        aggregate.histogram.counts.reduce((a, b) => a + b, 0),
        60,
        metric,
      );
    }
  });
});
