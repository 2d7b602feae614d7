/**
 * `altus watch`, `runs`, `results` and `logs` as a user runs them: the real CLI
 * in a child process against the test stack, after a real run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import type { RunDocument } from '../../shared/documents.ts';
import { baseManifest, resultsText, runManifest, testStack, writeManifest } from '../support/stack.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `altus <args>` against the test stack. */
function altus(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ALTUS_HOME: process.env.ALTUS_TEST_HOME!, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let run: RunDocument;

before(async () => {
  // 60 options over 3 shards of 20 on two clusters; the 20 with a negative volatility fail alone.
  const grid = { base: { type: 'call', spot: 100, rate: 0.05, maturity: 1 }, axes: { strike: { from: 50, to: 150, steps: 20 }, volatility: [0.2, -0.1, 0.3] } };
  run = await runManifest(testStack(), writeManifest('cli.json', baseManifest({ name: 'cli-commands', parameters: { grid }, shardSize: 20 })));
});

describe('run commands', () => {
  test('runs --json lists the run with its progress; the table names it', async () => {
    const json = await altus(['runs', '--json', '--limit', '50']);
    assert.equal(json.code, 0, json.stderr);
    const mine = (JSON.parse(json.stdout) as Array<{ runId: string; status: string; progress: unknown; parameters: number }>).find(
      (r) => r.runId === run.runId,
    );
    assert.deepEqual(mine && [mine.status, mine.progress, mine.parameters], ['SUCCEEDED', { total: 3, done: 3, failed: 0 }, 60]);
    const table = await altus(['runs', '--limit', '50']);
    assert.match(table.stdout, /^RUN +NAME +STATUS +SHARDS/);
    assert.match(table.stdout, new RegExp(`${run.runId} +cli-commands +SUCCEEDED +3/3`));
  });

  test('results: NDJSON is the results file; CSV top N by a metric; a table of the first rows', async () => {
    const ndjson = await altus(['results', run.runId, '--format', 'ndjson']);
    assert.equal(ndjson.stdout, resultsText(run));
    const csv = await altus(['results', run.runId, '--format', 'csv', '--top', '3', '--by', 'price']);
    const [header, ...lines] = csv.stdout.trim().split('\n');
    assert.match(header!, /^index,params\.type,params\.spot,.*,price,delta,gamma,vega,theta,rho$/);
    const column = header!.split(',').indexOf('price');
    const prices = lines.map((l) => Number(l.split(',')[column]));
    assert.equal(prices.length, 3);
    assert.ok(prices[0]! >= prices[1]! && prices[1]! >= prices[2]!);
    assert.equal(
      prices[0],
      Math.max(
        ...resultsText(run)
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { price?: number }).price ?? -Infinity),
      ),
    );
    const table = await altus(['results', run.runId]);
    assert.equal(table.code, 0);
    assert.match(table.stdout.split('\n')[0]!, /^index +type +spot .* error$/);
    assert.match(table.stderr, /the first 50 rows/);
    const failed = (JSON.parse(resultsText(run).split('\n')[1]!) as { error: string }).error;
    assert.ok(table.stdout.includes(failed.slice(0, 30)), `the error of row 1 (${failed}) is in the table`);
  });

  test('results refuses what it cannot do, with exit 3', async () => {
    const noBy = await altus(['results', run.runId, '--top', '3']);
    assert.equal(noBy.code, 3);
    assert.match(noBy.stderr, /--top and --by go together/);
    const badMetric = await altus(['results', run.runId, '--top', '3', '--by', 'var']);
    assert.match(badMetric.stderr, /the run's metrics are price, delta/);
    assert.equal((await altus(['results', 'no-such-run'])).code, 3);
  });

  test('logs --shard maps the shard to its Job index and prints that pod’s log lines', async () => {
    const slice = run.placement!.find((p) => p.offset > 0)!;
    const logs = await altus(['logs', run.runId, '--shard', String(slice.offset)]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`==> shard ${slice.offset} · ${slice.cluster} · attempt 0 · Job ${slice.job} index 0 · try 0 <==`));
    assert.match(logs.stdout, /INFO +shard done shard=\d+ parameters=20/);
    const cloud = await altus(['logs', run.runId, '--shard', '2', '--cloud'], { ALTUS_PROJECT_ID: 'my-proj' });
    assert.match(cloud.stdout, /gcloud logging read '.*labels\.runId="[^"]+" AND labels\.shard="2"' --project=my-proj/);
  });

  test('watch on an ended run prints its summary and exits with its status code', async () => {
    const watched = await altus(['watch', run.runId]);
    assert.equal(watched.code, 0);
    assert.match(watched.stdout, new RegExp(`run ${run.runId} \\(cli-commands\\): SUCCEEDED`));
    assert.match(watched.stderr, /SUCCEEDED 3\/3 shards \(0 failed\) in .* · worker-a \d\/\d · worker-b \d\/\d/);
  });

  test('status shows the run’s cost and each cluster’s share at its Spot price; --json carries it', async () => {
    const status = await altus(['status', run.runId]);
    assert.equal(status.code, 0, status.stderr);
    // Never scientific; an amount below a millionth of a dollar reads "<$0.000001".
    assert.match(status.stdout, /^cost: <?\$[\d.,]+ estimated · <?\$[\d.,]+ on-demand equivalent · \d+\.\d% saved \([\d.]+ vCPU-s\)$/m);
    assert.match(status.stdout, /^ {2}worker-a us-central1 c2d-standard-8 Spot: 2 shards, .* × \$0\.0093\/vCPU-h = /m);
    assert.match(status.stdout, /^ {2}worker-b europe-west4 c2d-standard-8 Spot: 1 shard, .* × \$0\.0101\/vCPU-h = /m);
    const json = JSON.parse((await altus(['status', run.runId, '--json'])).stdout) as RunDocument;
    assert.deepEqual(json.cost, run.cost);
  });
});
