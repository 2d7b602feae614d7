/**
 * A custom-kernel shard through the worker's shard code, with the example Python
 * kernel (jobs/examples/bachelier) and a folder store: rows in index order with
 * the declared outputs, declined and unreadable sets as error rows, the partial,
 * and the create-only result written from the streamed rows file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunPlan } from '../../../shared/run-plan.ts';
import { computeCustomShard } from '../../../jobs/worker/custom-shard.ts';
import { runShard } from '../../../jobs/worker/run-shard.ts';
import { createLogger } from '../../../shared/log.ts';
import type { Manifest } from '../../../shared/manifest.ts';
import { LocalObjectStore } from '../../../shared/storage/local-store.ts';

const EXAMPLE = fileURLToPath(new URL('../../../jobs/examples/bachelier', import.meta.url));
const kernel = { image: 'r.io/p/bachelier:1', command: ['python3', 'kernel.py'], outputs: ['price', 'delta', 'vega'] };
const atm = { type: 'call', forward: 2.5, strike: 2.5, volatility: 1, maturity: 1 };

function planOf(parameters: Manifest['parameters'], count: number, extra: Partial<RunPlan> = {}): RunPlan {
  const manifest = {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 't',
    kernel,
    parameters,
    shardSize: 10,
    aggregate: { quantiles: [0.5] },
    retries: { perShard: 1 },
    deadlineSeconds: 60,
    placement: {},
  } as Manifest;
  return {
    v: 1,
    runId: 'run-1',
    resultsBucket: 'results',
    manifest,
    kernelOptions: {},
    metrics: ['price'],
    quantiles: [0.5],
    parameterCount: count,
    shardSize: 10,
    shardCount: Math.ceil(count / 10),
    ...extra,
  };
}

test('rows pair each output with its parameter set in index order; declined sets fail alone; stderr reaches the log', async () => {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-custom-')));
  const logged: string[] = [];
  const plan = planOf({ inline: [atm, { ...atm, volatility: 0 }, { ...atm, type: 'put', strike: 3 }] }, 3);
  const tempDir = mkdtempSync(join(tmpdir(), 'altus-rows-'));
  const outcome = await runShard({
    plan,
    shard: 0,
    store,
    compute: () =>
      computeCustomShard({
        plan,
        shard: 0,
        store,
        kernel,
        cwd: EXAMPLE,
        env: { PATH: process.env.PATH ?? '' },
        log: createLogger({ component: 't', sink: (l) => logged.push(l) }),
        tempDir,
      }),
  });
  assert.deepEqual(
    { parameters: outcome.parameters, parametersFailed: outcome.parametersFailed, computed: outcome.computed },
    { parameters: 3, parametersFailed: 1, computed: true },
  );
  const rows = readFileSync(store.localPath(outcome.resultUri), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(Object.keys(rows[0]!), ['index', 'params', 'price', 'delta', 'vega']);
  assert.ok(Math.abs((rows[0]!.price as number) - 1 / Math.sqrt(2 * Math.PI)) < 1e-15);
  assert.deepEqual(rows[1], { index: 1, params: { ...atm, volatility: 0 }, error: 'ValueError: volatility and maturity must be > 0' });
  assert.equal(rows[2]!.index, 2);
  const partial = JSON.parse(readFileSync(store.localPath(outcome.partialUri), 'utf8')) as { metrics: { price: { count: number } } };
  assert.equal(partial.metrics.price.count, 2);
  assert.ok(logged.some((l) => JSON.parse(l).message === 'bachelier: priced 3 parameter sets'));
  assert.deepEqual(readdirSync(tempDir), [], 'the staged rows file is removed after the upload');
});

test('an unreadable line of a parameter file is never sent and becomes an error row in its place', async () => {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-custom-')));
  const uri = 'gs://manifests/p.ndjson';
  const text = [JSON.stringify(atm), 'not json', JSON.stringify({ ...atm, strike: 2 })].join('\n') + '\n';
  const { info } = await store.write(uri, text);
  const plan = planOf({ file: { uri, format: 'ndjson' } }, 3, {
    file: { uri, format: 'ndjson', generation: info.generation, count: 3, shardOffsets: [0], endOffset: Buffer.byteLength(text) } as RunPlan['file'],
  });
  const computed = await computeCustomShard({
    plan,
    shard: 0,
    store,
    kernel,
    cwd: EXAMPLE,
    env: { PATH: process.env.PATH ?? '' },
    log: createLogger({ component: 't', sink: () => {} }),
  });
  const staged = 'rows' in computed ? computed.rows.toString('utf8') : readFileSync(computed.rowsFile, 'utf8');
  const rows = staged
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { index: number; error?: string; price?: number });
  assert.deepEqual(
    rows.map((r) => r.index),
    [0, 1, 2],
  );
  assert.match(rows[1]!.error!, /not valid JSON/);
  assert.ok(rows[2]!.price! > rows[0]!.price!);
  assert.equal(computed.partial.parametersFailed, 1);
});

test('a failed command leaves no staged rows file behind', async () => {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-custom-')));
  const tempDir = mkdtempSync(join(tmpdir(), 'altus-rows-'));
  const plan = planOf({ inline: [atm] }, 1);
  const broken = { ...kernel, command: ['python3', '-c', 'import sys; sys.stdin.read(); print("{}")'] };
  await assert.rejects(
    computeCustomShard({
      plan,
      shard: 0,
      store,
      kernel: broken,
      env: { PATH: process.env.PATH ?? '' },
      log: createLogger({ component: 't', sink: () => {} }),
      tempDir,
    }),
    /output line 1: missing output "price"/,
  );
  assert.deepEqual(readdirSync(tempDir), []);
  assert.equal(existsSync(join(tempDir, 'x')), false);
});
