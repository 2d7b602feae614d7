/**
 * End to end through the local stack: upload → ingest → dispatch → local fleet →
 * collect → aggregate → Firestore, with the real emulators and functions.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { baseManifest, fleetJobsFor, resultsText, runManifest, testStack, writeManifest } from '../support/stack.ts';

const hull = { type: 'call', spot: 42, strike: 40, rate: 0.1, dividendYield: 0, volatility: 0.2, maturity: 0.5 };

describe('pipeline end to end', () => {
  test('the Hull Monte Carlo example succeeds within 4 standard errors of 4.7594', async () => {
    const stack = testStack();
    const run = await runManifest(
      stack,
      writeManifest(
        'hull.json',
        baseManifest({ name: 'hull-example', kernel: { name: 'european-option-mc', paths: 100000, seed: 7 }, parameters: { inline: [hull] } }),
      ),
    );
    assert.equal(run.status, 'SUCCEEDED');
    assert.deepEqual(run.counts, { parameters: 1, shards: 1, shardsSucceeded: 1, shardsFailed: 0, parametersFailed: 0 });
    const row = JSON.parse(resultsText(run).trim()) as { index: number; params: unknown; price: number; stdError: number };
    assert.equal(row.index, 0);
    assert.ok(Math.abs(row.price - 4.7594) < 4 * row.stdError, `price ${row.price} ± ${row.stdError}`);
    assert.equal(run.aggregates!.price!.count, 1);
    assert.ok(run.createdAt && run.startedAt && run.finishedAt);
    assert.ok(run.results!.uri.startsWith('gs://altus-results/runs/'));
  });

  test('shardSize 1 and shardSize 1000 give byte-identical Monte Carlo results files and aggregates', async () => {
    const stack = testStack();
    const source = {
      random: {
        count: 24,
        seed: 3,
        base: { type: 'put', rate: 0.05, maturity: 1 },
        fields: { spot: { uniform: [80, 120] }, strike: { uniform: [90, 110] }, volatility: { normal: [0.25, 0.05], min: 0.05 } },
      },
    };
    const kernel = { name: 'european-option-mc', paths: 2000, seed: 99 };
    const [fine, coarse] = await Promise.all([
      runManifest(stack, writeManifest('fine.json', baseManifest({ name: 'fine', kernel, parameters: source, shardSize: 1 }))),
      runManifest(stack, writeManifest('coarse.json', baseManifest({ name: 'coarse', kernel, parameters: source, shardSize: 1000 }))),
    ]);
    assert.equal(fine.status, 'SUCCEEDED');
    assert.equal(coarse.status, 'SUCCEEDED');
    assert.equal(fine.counts.shards, 24);
    assert.equal(coarse.counts.shards, 1);
    const a = resultsText(fine);
    assert.equal(a.split('\n').filter(Boolean).length, 24);
    assert.equal(a, resultsText(coarse));
    // Every aggregate on the run document too: exact sums, so not even the last digit of a mean moves.
    assert.equal(JSON.stringify(fine.aggregates), JSON.stringify(coarse.aggregates));
  });

  test('altus rerun-shard recomputes a shard byte-identically, and notices a tampered result', async () => {
    const stack = testStack();
    const run = await runManifest(
      stack,
      writeManifest(
        'rerun.json',
        baseManifest({
          name: 'rerun',
          kernel: { name: 'european-option-mc', paths: 5000, seed: 3 },
          parameters: { inline: [hull, { ...hull, strike: 44 }, { ...hull, type: 'put' }] },
          shardSize: 2,
        }),
      ),
    );
    assert.equal(run.status, 'SUCCEEDED');
    const rerun = () =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cli/main.ts', 'rerun-shard', run.runId, '1', '--json'], {
        env: { ...process.env, ALTUS_HOME: stack.home },
        encoding: 'utf8',
      });
    const clean = rerun();
    assert.equal(clean.status, 0, clean.stderr);
    assert.deepEqual(
      (({ identical, partialIdentical }) => ({ identical, partialIdentical }))(JSON.parse(clean.stdout) as { identical: boolean; partialIdentical: boolean }),
      { identical: true, partialIdentical: true },
    );
    const stored = join(stack.storageDir, stack.buckets.results, 'runs', run.runId, 'shards', '000001.ndjson');
    writeFileSync(stored, readFileSync(stored, 'utf8').replace(/"price":(\d)/, '"price":9$1'));
    const tampered = rerun();
    assert.equal(tampered.status, 1);
    assert.equal((JSON.parse(tampered.stdout) as { firstDifferentLine: number }).firstDifferentLine, 1);
  });

  test('a parameter set outside the domain fails alone, with its index and reason', async () => {
    const stack = testStack();
    const run = await runManifest(
      stack,
      writeManifest('domain.json', baseManifest({ parameters: { inline: [hull, { ...hull, volatility: -0.2 }, { ...hull, maturity: 0 }] } })),
    );
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.counts.parametersFailed, 2);
    const rows = resultsText(run)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; error?: string; price?: number });
    assert.equal(rows.length, 3);
    assert.ok(Math.abs(rows[0]!.price! - 4.7594) < 1e-4);
    assert.match(rows[1]!.error!, /volatility/);
    assert.match(rows[2]!.error!, /maturity/);
    assert.equal(run.aggregates!.price!.count, 1);
  });

  test('NDJSON and CSV parameter files uploaded beside the manifest', async () => {
    const stack = testStack();
    const ndjson = [JSON.stringify(hull), '', JSON.stringify({ ...hull, type: 'put' }), 'not json', JSON.stringify({ ...hull, strike: 45 })].join('\n') + '\n';
    const csv = '\ufefftype,spot,strike,rate,volatility,maturity\r\ncall,42,40,0.1,0.2,0.5\r\nput,42,40,0.1,0.2,0.5\r\n';
    const [fromNdjson, fromCsv] = await Promise.all([
      runManifest(
        stack,
        writeManifest('nd.json', baseManifest({ parameters: { file: { uri: 'params.ndjson', format: 'ndjson' } }, shardSize: 2 }), { 'params.ndjson': ndjson }),
      ),
      runManifest(stack, writeManifest('csv.json', baseManifest({ parameters: { file: { uri: 'params.csv', format: 'csv' } } }), { 'params.csv': csv })),
    ]);
    assert.equal(fromNdjson.status, 'SUCCEEDED');
    assert.equal(fromNdjson.counts.parameters, 4);
    assert.equal(fromNdjson.counts.shards, 2);
    assert.equal(fromNdjson.counts.parametersFailed, 1);
    const rows = resultsText(fromNdjson)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; error?: string });
    assert.deepEqual(
      rows.map((r) => r.index),
      [0, 1, 2, 3],
    );
    assert.match(rows[2]!.error!, /not valid JSON/);
    assert.equal(fromCsv.status, 'SUCCEEDED');
    const csvRows = resultsText(fromCsv)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { price: number });
    assert.ok(Math.abs(csvRows[0]!.price - 4.7594) < 1e-4);
    assert.ok(Math.abs(csvRows[1]!.price - 0.8086) < 1e-4);
  });

  test('a grid splits across both worker clusters and keeps index order', async () => {
    const stack = testStack();
    const run = await runManifest(
      stack,
      writeManifest(
        'grid.json',
        baseManifest({
          parameters: {
            grid: {
              base: { type: 'call', spot: 100, rate: 0.05, maturity: 1 },
              axes: { strike: { from: 50, to: 150, steps: 101 }, volatility: [0.1, 0.2, 0.3] },
            },
          },
          shardSize: 50,
        }),
      ),
    );
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.counts.parameters, 303);
    assert.deepEqual(
      run.placement!.map((p) => [p.cluster, p.count]),
      [
        ['worker-a', 4],
        ['worker-b', 3],
      ],
    );
    const rows = resultsText(run)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; params: { strike: number; volatility: number } });
    assert.deepEqual(
      rows.map((r) => r.index),
      [...Array(303).keys()],
    );
    assert.deepEqual(rows[4]!.params.strike, 51);
    assert.deepEqual(rows[4]!.params.volatility, 0.2);
    assert.equal(rows[302]!.params.strike, 150);
    assert.equal((await fleetJobsFor(stack, run.runId)).length, 2);
    // Cost: every shard priced once, on the cluster that ran it, at Spot prices below on-demand.
    const cost = run.cost!;
    assert.ok(cost.savingsPercent > 0 && cost.savingsPercent <= 100, `savingsPercent ${cost.savingsPercent}`);
    assert.ok(cost.estimatedUsd > 0 && cost.estimatedUsd < cost.onDemandEquivalentUsd, JSON.stringify(cost));
    assert.deepEqual(
      cost.byPool.map((p) => [p.cluster, p.shards, p.spot, p.prices.perVcpuHour]),
      [
        ['worker-a', 4, true, 0.0093],
        ['worker-b', 3, true, 0.0101],
      ],
    );
    assert.equal(cost.gpuSeconds, 0);
    assert.equal(cost.shardsUnpriced, 0);
  });
});
