/**
 * Custom kernels without `outputs`: whole runs through the worker's shard code and
 * the real collect and aggregate handlers at several shard sizes. The results file
 * is byte-identical, and the aggregate covers the union of the numeric fields the
 * shards found, in order of first appearance. Validation and the output protocol
 * are in undeclared-outputs-protocol.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createAggregateHandler } from '../../../functions/aggregate/handler.ts';
import { createCollectHandler } from '../../../functions/collect/handler.ts';
import type { Dependencies } from '../../../functions/pipeline/deps.ts';
import type { Fleet } from '../../../jobs/fleet/fleet.ts';
import { planRun } from '../../../jobs/planning/plan.ts';
import { runObjects, type RunPlan } from '../../../shared/run-plan.ts';
import { validateManifest } from '../../../jobs/planning/validate.ts';
import { computeCustomShard } from '../../../jobs/worker/custom-shard.ts';
import { KernelProtocolError } from '../../../jobs/worker/kernel-process.ts';
import { runShard } from '../../../jobs/worker/run-shard.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import type { RunDocument } from '../../../shared/documents.ts';
import { NO_FAULTS } from '../../../shared/faults.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { createLogger } from '../../../shared/log.ts';
import type { CompletionEvent, TopicRole } from '../../../shared/messages.ts';
import { metricUnion } from '../../../shared/stats/partial.ts';
import { LocalObjectStore } from '../../../shared/storage/local-store.ts';
import { nestedRow, ResultsTable, type SqlRow } from '../../../scripts/cli/results-table.ts';
import { MemoryRunStore } from '../../support/memory-run-store.ts';
import { manifest } from '../../support/custom-kernel-manifest.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);

/**
 * A node kernel: for {x}, `y` always, `z` for x divisible by 3, `w` from x = 7 on
 * (so it first appears in a later shard), a string `tag`, and a decline at x = 4.
 */
const COMMAND = [
  process.execPath,
  '-e',
  `const rl = require('readline').createInterface({ input: process.stdin });
   rl.on('line', (line) => {
     const { x } = JSON.parse(line);
     if (x === 4) return console.log(JSON.stringify({ error: 'x is 4' }));
     const out = { y: x / 7 };
     if (x % 3 === 0) out.z = -x * 1.5;
     out.tag = 'set-' + x;
     if (x >= 7) out.w = x * x + 0.25;
     console.log(JSON.stringify(out));
   });`,
];
const PARAMETERS = Array.from({ length: 12 }, (_, x) => ({ x }));

const pubsubEvent = (json: unknown): CloudEvent<unknown> =>
  ({
    specversion: '1.0',
    id: 'x',
    source: 'test',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message: { data: Buffer.from(JSON.stringify(json)).toString('base64') } },
  }) as CloudEvent<unknown>;

/** A whole run at `shardSize`: validate, plan, every shard through the worker's code, collect, aggregate. */
async function runAt(shardSize: number, kernel: Record<string, unknown> = { command: COMMAND }, extra: Record<string, unknown> = {}) {
  const runs = new MemoryRunStore();
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-undeclared-')));
  const published: Array<{ role: TopicRole; message: unknown }> = [];
  const deps: Dependencies = {
    runs,
    store,
    bus: { publish: async (role: TopicRole, message: unknown) => String(published.push({ role, message })) },
    fleet: {} as Fleet,
    fleetConfig: fleet,
    config: { projectId: 'demo-undeclared', buckets: { manifests: 'altus-manifests', results: 'altus-results' } } as Dependencies['config'],
    log: createLogger({ component: 'test', minimumSeverity: 'ERROR' }),
    now: () => new Date('2026-03-01T10:00:00Z'),
    faults: NO_FAULTS,
  };
  const runId = `undeclared-${shardSize}`;
  // The rows are compared as NDJSON text here; custom-parquet.test.ts reads the same runs' Parquet rows.
  const validated = validateManifest(manifest(kernel, { parameters: { inline: PARAMETERS }, shardSize, results: { format: 'ndjson' }, ...extra }), fleet);
  const plan: RunPlan = await planRun({ runId, validated, store, manifestsBucket: 'altus-manifests', resultsBucket: 'altus-results', manifestObject: null });
  const planUri = runObjects.plan('altus-results', runId);
  await store.write(planUri, JSON.stringify(plan));
  await runs.createRun({
    runId,
    name: 'undeclared',
    status: 'RUNNING',
    origin: { kind: 'request', requestId: runId },
    manifestHash: 'h',
    planUri,
    attempt: 0,
    createdAt: '2026-03-01T09:00:00Z',
    counts: { parameters: plan.parameterCount, shards: plan.shardCount, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
  } as RunDocument);
  const collect = createCollectHandler(deps);
  const customKernel = plan.manifest.kernel as { image: string; command: string[] };
  const log = createLogger({ component: 't', sink: () => {} });
  // Shards complete in reverse order: the aggregate must not depend on it.
  for (let shard = plan.shardCount - 1; shard >= 0; shard--) {
    const event = { v: 1, runId, shard, attempt: 0, cluster: 'worker-a', cpuSeconds: 0.1, wallSeconds: 0.2 } as const;
    let completion: CompletionEvent;
    try {
      const outcome = await runShard({
        plan,
        shard,
        store,
        compute: () => computeCustomShard({ plan, shard, store, kernel: customKernel, env: { PATH: process.env.PATH ?? '' }, log }),
      });
      completion = {
        ...event,
        status: 'succeeded',
        resultUri: outcome.resultUri,
        partialUri: outcome.partialUri,
        parameters: outcome.parameters,
        parametersFailed: outcome.parametersFailed,
      };
    } catch (error) {
      // What the worker publishes for a protocol error (exit 42).
      assert.ok(error instanceof KernelProtocolError, String(error));
      completion = { ...event, status: 'failed', parameters: 0, parametersFailed: 0, error: error.message };
    }
    await collect(pubsubEvent(completion));
  }
  const aggregate = createAggregateHandler(deps);
  for (const message of published.filter((p) => p.role === 'aggregate').map((p) => p.message)) await aggregate(pubsubEvent(message));
  const run = (await runs.getRun(runId))!;
  const partials = await Promise.all(
    (await runs.listShards(runId))
      .filter((s) => s.partialUri)
      .map(async (s) => JSON.parse((await store.read(s.partialUri!)).toString('utf8')) as { metrics: Record<string, unknown> }),
  );
  return { run, plan, results: run.results?.path && run.results.format === 'ndjson' ? readFileSync(run.results.path, 'utf8') : '', partials };
}

test('discovered metrics: byte-identical results and the same aggregated metrics, in first-appearance order, at shard sizes 1, 5 and 12', async () => {
  const [one, five, twelve] = [await runAt(1), await runAt(5), await runAt(12)];
  for (const { run } of [one, five, twelve]) assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error ?? run.failedShards));
  assert.equal(one.results, twelve.results);
  assert.equal(five.results, twelve.results);
  const rows = twelve.results
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(rows[0], { index: 0, params: { x: 0 }, y: 0, z: 0, tag: 'set-0' });
  assert.deepEqual(rows[4], { index: 4, params: { x: 4 }, error: 'x is 4' });
  assert.deepEqual(Object.keys(rows[9]!), ['index', 'params', 'y', 'z', 'tag', 'w']);

  // w first appears in shard 1 at shard size 5 and in shard 7 at shard size 1: the union still finds it, in the same place.
  assert.deepEqual(Object.keys(five.partials[0]!.metrics), ['y', 'z']);
  assert.deepEqual(metricUnion(five.partials), ['y', 'z', 'w']);
  for (const { run } of [one, five, twelve])
    assert.deepEqual(Object.keys(run.aggregates!), ['y', 'z', 'w'], 'numeric fields only, first appearance in index order');

  const valid = rows.filter((r) => !('error' in r));
  const expected = (name: string) => valid.map((r) => r[name]).filter((v): v is number => typeof v === 'number');
  for (const { run } of [one, five, twelve]) {
    for (const name of ['y', 'z', 'w']) {
      const values = expected(name);
      const got = run.aggregates![name]!;
      assert.equal(got.count, values.length, name);
      assert.equal(got.min, Math.min(...values), name);
      assert.equal(got.max, Math.max(...values), name);
      assert.ok(Math.abs(got.mean - values.reduce((a, b) => a + b, 0) / values.length) < 1e-12, name);
    }
    assert.deepEqual(run.aggregates!.y!.quantiles, twelve.run.aggregates!.y!.quantiles, 'the merged sketches answer alike');
  }
  assert.equal(twelve.run.counts.parametersFailed, 1);
});

test('without outputs, aggregate.metrics picks what is aggregated; every other field still reaches the results file', async () => {
  const { run, results } = await runAt(5, { command: COMMAND }, { aggregate: { metrics: ['y'] } });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error ?? run.failedShards));
  assert.deepEqual(Object.keys(run.aggregates!), ['y']);
  assert.equal(run.aggregates!.y!.count, 11);
  assert.match(results, /"tag":"set-9","w":81\.25/);
});

test('a line without a metric aggregate.metrics names fails its shard as a protocol error, naming the line', async () => {
  const { run } = await runAt(5, { command: COMMAND }, { aggregate: { metrics: ['z'] } });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.counts.shardsSucceeded, 0);
  assert.match(run.failedShards![0]!.reason, /^output line 2: missing output "z": \{"y":0\.14285714285714285,"tag":"set-1"\}/);
});

test('a shard whose lines carry more numeric fields than can be aggregated fails with a reason that says what to do', async () => {
  const many = [
    process.execPath,
    '-e',
    `require('readline').createInterface({ input: process.stdin }).on('line', (l) => { const { x } = JSON.parse(l); const o = {}; for (let i = 0; i < 60; i++) o['m' + (x * 60 + i)] = i; console.log(JSON.stringify(o)); });`,
  ];
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-undeclared-')));
  const validated = validateManifest(manifest({ command: many }, { parameters: { inline: [{ x: 0 }, { x: 1 }] } }), fleet);
  const plan = await planRun({ runId: 'many', validated, store, manifestsBucket: 'm', resultsBucket: 'r', manifestObject: null });
  await assert.rejects(
    computeCustomShard({
      plan,
      shard: 0,
      store,
      kernel: plan.manifest.kernel as { image: string; command: string[] },
      env: { PATH: process.env.PATH ?? '' },
      log: createLogger({ component: 't', sink: () => {} }),
    }),
    (e: unknown) =>
      e instanceof KernelProtocolError && /output line 2: "m100" would be numeric field 101 of this shard; .* name the ones you want/.test(e.message),
  );
});

test('shards that between them carry more than 100 numeric fields: the run aggregates the first 100 in index order, the results keep all', async () => {
  // 30 fields per line, named after the parameter set: 12 sets, 360 names, 30 per shard.
  const wide = [
    process.execPath,
    '-e',
    `require('readline').createInterface({ input: process.stdin }).on('line', (l) => { const { x } = JSON.parse(l); const o = {}; for (let i = 0; i < 30; i++) o['m' + (x * 30 + i)] = i; console.log(JSON.stringify(o)); });`,
  ];
  const { run, results } = await runAt(1, { command: wide });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error ?? run.failedShards));
  assert.deepEqual(
    Object.keys(run.aggregates!),
    Array.from({ length: 100 }, (_, i) => `m${i}`),
  );
  assert.match(results, /"m359":29\}/);
});

test("Parquet: the worker converts the command's NDJSON answers; undeclared fields go to extra, and the rows match the NDJSON run at shard sizes 1 and 12", async () => {
  const parquet = { results: { format: 'parquet' } };
  const [one, twelve, text] = [await runAt(1, { command: COMMAND }, parquet), await runAt(12, { command: COMMAND }, parquet), await runAt(12)];
  const rows = async (run: RunDocument) => {
    const table = await ResultsTable.open(run.results!.path!);
    try {
      const out: SqlRow[] = [];
      for await (const row of (await table.query('SELECT * EXCLUDE (run_id) FROM results ORDER BY "index"')).rows) out.push(row);
      return out;
    } finally {
      table.close();
    }
  };
  const twelveRows = await rows(twelve.run);
  assert.deepEqual(await rows(one.run), twelveRows);
  // No declared outputs: every field of an answer is in extra, in the order written.
  assert.deepEqual(twelveRows[0], { index: 0, x: 0, error: null, extra: '{"outputs":{"y":0,"z":0,"tag":"set-0"}}' });
  assert.deepEqual(twelveRows[4], { index: 4, x: 4, error: 'x is 4', extra: null });
  const lines = text.results
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const { plan } = twelve;
  assert.equal(plan.results?.format, 'parquet');
  if (plan.results?.format !== 'parquet') return;
  const schema = plan.results.schema;
  assert.deepEqual(
    twelveRows.map((r) => nestedRow(r, schema)),
    lines,
  );
  assert.deepEqual(twelve.run.aggregates, text.run.aggregates, "a run's aggregates do not depend on its results format");
});
