/**
 * Parquet results of a built-in kernel: the logical table (the rows read back,
 * in index order) is the same whatever the shard size; the parts open in an
 * independent reader (DuckDB) with the planned types; and each row holds what the
 * NDJSON results line of the same parameter set holds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getKernel } from '../../../jobs/kernels/registry.ts';
import { planRun } from '../../../jobs/planning/plan.ts';
import { runObjects } from '../../../shared/run-plan.ts';
import { validateManifest } from '../../../jobs/planning/validate.ts';
import { ParquetRows } from '../../../jobs/worker/results/parquet-rows.ts';
import { computeShard, runShard } from '../../../jobs/worker/run-shard.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { LocalObjectStore } from '../../../shared/storage/local-store.ts';
import { ResultsTable, type SqlRow } from '../../../scripts/cli/results-table.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const kernel = getKernel('black-scholes')!;
const COUNT = 400;

/** A random book: some volatilities ≤ 0 fail their set; `dividendYield` is the kernel's default, planned from its schema. */
const manifest = (shardSize: number, format: 'parquet' | 'ndjson' = 'parquet') => ({
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'parquet-determinism',
  kernel: { name: 'black-scholes' },
  parameters: {
    random: {
      count: COUNT,
      seed: 3,
      base: { type: 'put', spot: 100, rate: 0.02 },
      fields: { strike: { uniform: [60, 140] }, volatility: { uniform: [-0.05, 0.6] }, maturity: { uniform: [0.1, 2] } },
    },
  },
  shardSize,
  results: { format },
});

/** Plans and computes every shard of the run into a fresh store; returns the plan and the store. */
async function runAll(shardSize: number, format: 'parquet' | 'ndjson' = 'parquet') {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-parquet-')));
  const runId = 'determinism';
  const plan = await planRun({
    runId,
    validated: validateManifest(manifest(shardSize, format), fleet),
    store,
    manifestsBucket: 'm',
    resultsBucket: 'altus-results',
    manifestObject: null,
  });
  for (let shard = 0; shard < plan.shardCount; shard++) await runShard({ plan, shard, store, compute: () => computeShard({ plan, shard, kernel, store }) });
  return { plan, store, folder: store.localPath(runObjects.dataset('altus-results', runId).replace(/\/$/, '')) };
}

async function readAll(folder: string, sql = 'SELECT * FROM results ORDER BY "index"'): Promise<SqlRow[]> {
  const table = await ResultsTable.open(folder);
  try {
    const rows: SqlRow[] = [];
    for await (const row of (await table.query(sql)).rows) rows.push(row);
    return rows;
  } finally {
    table.close();
  }
}

test('the rows read back are identical at shard sizes 1, 7 and 1000 (the logical table, not the bytes)', async () => {
  const [one, seven, thousand] = await Promise.all([runAll(1), runAll(7), runAll(1000)]);
  assert.equal(readdirSync(one.folder).length, COUNT, 'one part per shard');
  assert.deepEqual(readdirSync(seven.folder).slice(0, 2), ['part-000000.parquet', 'part-000001.parquet']);
  const rows = await readAll(thousand.folder);
  assert.equal(rows.length, COUNT);
  assert.deepEqual(
    rows.map((r) => r.index),
    Array.from({ length: COUNT }, (_, i) => i),
  );
  assert.deepEqual(await readAll(one.folder), rows);
  assert.deepEqual(await readAll(seven.folder), rows);
  const failed = rows.filter((r) => r.error !== null);
  assert.ok(failed.length > 10 && failed.length < COUNT / 2, `some sets fail (${failed.length})`);
  assert.ok(failed.every((r) => r.price === null && /volatility must be > 0/.test(String(r.error))));
});

test('an independent reader sees the planned columns and types: index BIGINT, parameters, outputs DOUBLE, error and extra text', async () => {
  const { plan, folder } = await runAll(150);
  const types = Object.fromEntries((await readAll(folder, 'DESCRIBE results')).map((r) => [r.column_name, r.column_type]));
  assert.deepEqual(types, {
    index: 'BIGINT',
    type: 'VARCHAR',
    spot: 'DOUBLE',
    rate: 'DOUBLE',
    strike: 'DOUBLE',
    volatility: 'DOUBLE',
    maturity: 'DOUBLE',
    dividendYield: 'DOUBLE',
    price: 'DOUBLE',
    delta: 'DOUBLE',
    gamma: 'DOUBLE',
    vega: 'DOUBLE',
    theta: 'DOUBLE',
    rho: 'DOUBLE',
    error: 'VARCHAR',
    extra: 'JSON',
    // DuckDB reads the Hive-style folder name as a column, as BigQuery does with hive partitioning.
    run_id: 'VARCHAR',
  });
  assert.equal(plan.results?.format, 'parquet');
  const [count] = await readAll(folder, 'SELECT COUNT(*) AS n, COUNT(DISTINCT type) AS types, MIN("index") AS first, MAX("index") AS last FROM results');
  assert.deepEqual(count, { n: COUNT, types: 1, first: 0, last: COUNT - 1 });
});

test('each Parquet row holds what the NDJSON line of the same parameter set holds', async () => {
  const parquet = await runAll(64);
  const ndjson = await runAll(64, 'ndjson');
  const lines: Record<string, unknown>[] = [];
  for (let shard = 0; shard < parquet.plan.shardCount; shard++) {
    const text = (await ndjson.store.read(runObjects.shardResult('altus-results', 'determinism', String(shard).padStart(6, '0'), 'ndjson'))).toString('utf8');
    lines.push(
      ...text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
  }
  const table = await ResultsTable.open(parquet.folder);
  try {
    const layout = parquet.plan.results;
    assert.equal(layout?.format, 'parquet');
    if (layout?.format !== 'parquet') return;
    let i = 0;
    for await (const row of table.rows(layout.schema)) {
      const line = lines[i++]!;
      // Through JSON, as the line went: Parquet keeps a -0 that JSON writes as 0.
      assert.deepEqual(JSON.parse(JSON.stringify(row)), line, `row ${i - 1}`);
    }
    assert.equal(i, COUNT);
  } finally {
    table.close();
  }
});

test('a value that fits no planned column is kept in extra: an unplanned key, a text value in a DOUBLE column, an undeclared output', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'altus-parquet-extra-'));
  const rows = new ParquetRows(
    {
      params: [
        { key: 'a', column: 'a', type: 'DOUBLE' },
        { key: 'b', column: 'b', type: 'STRING' },
      ],
      outputs: [{ key: 'price', column: 'price' }],
    },
    3,
    true,
  );
  rows.result(0, { a: 1, b: 'x' }, { price: 2.5 });
  rows.result(1, { a: 'oops', c: true }, { price: 3, note: 'hi' });
  rows.failure(2, null, 'the line is not valid JSON');
  const staged = await rows.close();
  assert.ok('rows' in staged);
  writeFileSync(join(folder, 'part-000000.parquet'), staged.rows);
  assert.deepEqual(await readAll(folder), [
    { index: 0, a: 1, b: 'x', price: 2.5, error: null, extra: null },
    { index: 1, a: null, b: null, price: 3, error: null, extra: '{"params":{"a":"oops","c":true},"outputs":{"note":"hi"}}' },
    { index: 2, a: null, b: null, price: null, error: 'the line is not valid JSON', extra: null },
  ]);
});
