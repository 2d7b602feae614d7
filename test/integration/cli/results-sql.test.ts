/**
 * `altus results` over a Parquet run: the rows come back in index order in the
 * NDJSON row shape (so table, CSV, NDJSON and --top work as before), --sql
 * answers over the table `results`, an NDJSON run refuses --sql with a reason,
 * and `--help` shows a SELECT … FROM results example.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { openResults } from '../../../scripts/cli/results-source.ts';
import { topRows } from '../../../scripts/cli/results-output.ts';
import { finishedRun } from '../../support/finished-run.ts';

const ROOT = join(import.meta.dirname, '../../..');

test('a Parquet run: rows in index order in the NDJSON shape, --top by a metric, and SQL over the table "results"', async () => {
  const { store, run } = await finishedRun('parquet');
  assert.equal(run.results?.format, 'parquet');
  assert.match(run.results!.uri, /^gs:\/\/altus-results\/results\/run_id=sql-parquet\/$/);
  assert.match(
    run.results!.bigQuery!,
    /^bq mkdef --source_format=PARQUET 'gs:\/\/altus-results\/results\/run_id=sql-parquet\/\*\.parquet' > .* && bq query --use_legacy_sql=false --external_table_definition=results::/,
  );
  const source = await openResults(store, run);
  try {
    const rows = [];
    for await (const row of source.rows()) rows.push(row);
    assert.deepEqual(
      rows.map((r) => r.index),
      Array.from({ length: 30 }, (_, i) => i),
    );
    assert.deepEqual(rows[0]!.params, { type: 'call', spot: 100, rate: 0.03, maturity: 1, strike: 80, volatility: 0.1, dividendYield: 0 });
    assert.deepEqual(Object.keys(rows[0]!), ['index', 'params', 'price', 'delta', 'gamma', 'vega', 'theta', 'rho']);
    const [dearest] = await topRows(source.rows(), 1, 'price');
    assert.equal(dearest!.params!.strike, 80);
    assert.equal(dearest!.params!.volatility, 0.3);

    const answer = await source.sql('SELECT volatility, COUNT(*) AS n, MAX(price) AS top FROM results GROUP BY volatility ORDER BY volatility');
    assert.deepEqual(answer.columns, ['volatility', 'n', 'top']);
    const grouped = [];
    for await (const row of answer.rows) grouped.push(row);
    assert.deepEqual(
      grouped.map((r) => [r.volatility, r.n]),
      [
        [0.1, 10],
        [0.2, 10],
        [0.3, 10],
      ],
    );
    assert.equal(grouped[2]!.top, dearest!.price);

    const example = await source.sql(run.results!.sql!);
    const [first] = [(await example.rows.next()).value!];
    assert.equal(first.row_count, 30);
    assert.equal(first.failed, 0);
  } finally {
    await source.close();
  }
});

test('an NDJSON run reads its results file as before and refuses --sql with the reason', async () => {
  const { store, run } = await finishedRun('ndjson');
  assert.equal(run.results?.format, 'ndjson');
  const source = await openResults(store, run);
  let n = 0;
  for await (const row of source.rows()) assert.equal(row.index, n++);
  assert.equal(n, 30);
  await assert.rejects(source.sql('SELECT 1'), /wrote NDJSON results.*--sql reads Parquet runs/);
});

test('altus results --help shows a SELECT … FROM results example', () => {
  const help = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/cli/main.ts'), 'results', '--help'], { encoding: 'utf8', cwd: ROOT });
  assert.match(help, /--sql <query>/);
  assert.match(help, /altus results <runId> --sql "SELECT .* FROM results .*"/);
});
