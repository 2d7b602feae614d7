/**
 * Custom kernels end to end on the local stack: the example image
 * (jobs/examples/bachelier, run as a process from its build context) prices its
 * grid over both worker clusters, also in the exact form (no `outputs`:
 * every numeric field aggregated); a kernel that writes bad output fails its
 * shards without retries, with the reason on the run; an image from a registry
 * the fleet does not allow is REJECTED with no Job.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fleetJobsFor, resultRows, runManifest, testStack, writeManifest } from '../support/stack.ts';

const EXAMPLE = fileURLToPath(new URL('../../jobs/examples/bachelier/manifest.json', import.meta.url));
const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { kernel: Record<string, unknown> } & Record<string, unknown>;

interface Row {
  index: number;
  params: { type: 'call' | 'put'; forward: number; strike: number; volatility: number; maturity: number; rate: number };
  price: number;
  delta: number;
  vega: number;
}

/** The standard normal CDF by Simpson's rule on the density: independent of the kernel's erfc. */
function normalCdf(x: number): number {
  const a = -12;
  const b = x;
  if (b <= a) return 0;
  const n = 20_000;
  const h = (b - a) / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const t = a + i * h;
    const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    sum += w * Math.exp(-0.5 * t * t);
  }
  return (sum * h) / 3 / Math.sqrt(2 * Math.PI);
}

function bachelier(p: Row['params']): number {
  const s = p.volatility * Math.sqrt(p.maturity);
  const d = (p.forward - p.strike) / s;
  const density = Math.exp(-0.5 * d * d) / Math.sqrt(2 * Math.PI);
  const undiscounted = p.type === 'call' ? (p.forward - p.strike) * normalCdf(d) + s * density : (p.strike - p.forward) * normalCdf(-d) + s * density;
  return Math.exp(-p.rate * p.maturity) * undiscounted;
}

describe('custom kernels on the local stack', () => {
  test('the Bachelier example runs end to end over both worker clusters and matches an independent reference', async () => {
    const stack = testStack();
    const run = await runManifest(stack, EXAMPLE, 300_000);
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error ?? run.failedShards));
    assert.deepEqual(run.counts, { parameters: 232, shards: 5, shardsSucceeded: 5, shardsFailed: 0, parametersFailed: 0 });
    assert.equal(run.kernel, example.kernel.image);
    assert.deepEqual(
      run.placement!.map((p) => p.cluster),
      ['worker-a', 'worker-b'],
    );

    const rows = (await resultRows(stack, run)) as unknown as Row[];
    assert.deepEqual(
      rows.map((r) => r.index),
      Array.from({ length: 232 }, (_, i) => i),
    );
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), ['index', 'params', 'price', 'delta', 'vega']);
      assert.ok(Math.abs(row.price - bachelier(row.params)) < 1e-9, `row ${row.index}: ${row.price} vs ${bachelier(row.params)}`);
    }
    // Put-call parity, exact in the Bachelier model: C - P = e^{-rT} (F - K), and delta_C - delta_P = e^{-rT}.
    const calls = rows.filter((r) => r.params.type === 'call');
    const puts = rows.filter((r) => r.params.type === 'put');
    calls.forEach((c, i) => {
      const p = puts[i]!;
      const discount = Math.exp(-c.params.rate * c.params.maturity);
      assert.ok(Math.abs(c.price - p.price - discount * (c.params.forward - c.params.strike)) < 1e-12);
      assert.ok(Math.abs(c.delta - p.delta - discount) < 1e-12);
    });

    assert.deepEqual(Object.keys(run.aggregates!).sort(), ['price', 'vega']);
    const mean = rows.reduce((sum, r) => sum + r.price, 0) / rows.length;
    assert.equal(run.aggregates!.price!.count, 232);
    assert.ok(Math.abs(run.aggregates!.price!.mean - mean) < 1e-12);
    assert.equal(run.aggregates!.price!.max, Math.max(...rows.map((r) => r.price)));

    // The command's stderr is in the pod log of each index.
    const jobDir = join(stack.logDir, 'pods', run.runId, run.placement![0]!.job);
    const log = readFileSync(join(jobDir, readdirSync(jobDir).sort()[0]!), 'utf8');
    assert.match(log, /bachelier: priced 50 parameter sets/);
  });

  test('the issue\'s exact form, {"image", "command"} with no outputs and no aggregate.metrics, runs end to end and aggregates every numeric field', async () => {
    const stack = testStack();
    const { aggregate: _aggregate, ...rest } = example;
    const manifest = { ...rest, name: 'bachelier-undeclared', kernel: { image: example.kernel.image, command: example.kernel.command } };
    const run = await runManifest(stack, writeManifest('undeclared.json', manifest), 300_000);
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error ?? run.failedShards));
    assert.deepEqual(run.counts, { parameters: 232, shards: 5, shardsSucceeded: 5, shardsFailed: 0, parametersFailed: 0 });
    const rows = (await resultRows(stack, run)) as unknown as Row[];
    assert.deepEqual(
      rows.map((r) => r.index),
      Array.from({ length: 232 }, (_, i) => i),
    );
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), ['index', 'params', 'price', 'delta', 'vega'], 'the fields in the order the command writes them');
      assert.ok(Math.abs(row.price - bachelier(row.params)) < 1e-9, `row ${row.index}`);
    }
    assert.deepEqual(Object.keys(run.aggregates!), ['price', 'delta', 'vega']);
    for (const metric of ['price', 'delta', 'vega'] as const) {
      assert.equal(run.aggregates![metric]!.count, 232, metric);
      assert.equal(run.aggregates![metric]!.max, Math.max(...rows.map((r) => r[metric])), metric);
    }
  });

  test('a kernel that writes bad output fails its shards at once (no retry), with the line and the reason on the run', async () => {
    const stack = testStack();
    const manifest = {
      ...example,
      name: 'bad-output',
      kernel: {
        ...example.kernel,
        command: ['python3', '-c', 'import sys\nfor line in sys.stdin: print("{\\"price\\": NaN, \\"delta\\": 0, \\"vega\\": 0}")'],
      },
      parameters: { inline: [{ n: 1 }, { n: 2 }] },
      retries: { perShard: 2 },
    };
    const run = await runManifest(stack, writeManifest('bad-output.json', manifest), 300_000);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error?.code, 'ALL_SHARDS_FAILED');
    assert.equal(run.failedShards!.length, 1);
    assert.match(run.failedShards![0]!.reason, /output line 1 is not valid JSON.*JSON has no NaN or Infinity/);
    const jobDir = join(stack.logDir, 'pods', run.runId, run.placement![0]!.job);
    assert.deepEqual(readdirSync(jobDir), ['0-0.log'], 'one try only: the same input would give the same output');
  });

  test('an image from a registry the fleet does not allow is REJECTED and creates no Job', async () => {
    const stack = testStack();
    const manifest = { ...example, name: 'foreign-image', kernel: { ...example.kernel, image: 'docker.io/someone/bachelier:1.0' } };
    const run = await runManifest(stack, writeManifest('foreign.json', manifest));
    assert.equal(run.status, 'REJECTED');
    assert.equal(run.error?.code, 'IMAGE_NOT_ALLOWED');
    assert.match(run.error!.message, /docker\.io\/someone\/bachelier:1\.0.*push it under one of: us-central1-docker\.pkg\.dev\/altus-demo-project\//);
    assert.deepEqual(await fleetJobsFor(stack, run.runId), []);
  });
});
