/** `altus status` text: a run with `risk` shows VaR and ES per level under the aggregates table. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRun } from '../../../scripts/cli/render.ts';
import type { RunDocument } from '../../../shared/documents.ts';

const run: RunDocument = {
  runId: 'r1',
  name: 'book',
  status: 'SUCCEEDED',
  origin: { kind: 'request', requestId: 'r1' },
  manifestHash: 'x',
  attempt: 1,
  createdAt: '2025-01-01T00:00:00Z',
  counts: { parameters: 200000, shards: 20, shardsSucceeded: 20, shardsFailed: 0, parametersFailed: 0 },
  aggregates: { pnl: { count: 200000, mean: -12.5, stddev: 30000, min: -150000, max: 90000, quantiles: { '0.01': -72000 } } },
  risk: { pnl: { count: 200000, var: { '0.975': 61227.9, '0.99': 72804.8 }, es: { '0.975': 73487.3, '0.99': 84411.7 }, relativeAccuracy: 0.005 } },
};

test('VaR and ES by level, with the count and the sketch accuracy', () => {
  const text = renderRun(run);
  assert.match(text, /^pnl risk over 200000 values \(from the merged sketch: within 0\.5% relative while the tail is all losses\)$/m);
  assert.match(text, /^c\s+0\.975\s+0\.99$/m);
  assert.match(text, /^VaR\s+61227\.9\s+72804\.8$/m);
  assert.match(text, /^ES\s+73487\.3\s+84411\.7$/m);
});

test('no risk block without risk', () => {
  const { risk: _risk, ...plain } = run;
  assert.doesNotMatch(renderRun(plain), /risk|VaR/);
});

test('a Parquet run prints its dataset folder and a ready --sql query; in the cloud, the bq command too', () => {
  const results = {
    uri: 'gs://b/results/run_id=r1/',
    format: 'parquet' as const,
    sql: 'SELECT COUNT(*) AS row_count FROM results',
    bigQuery: 'bq mkdef … && bq query …',
  };
  const local = renderRun({ ...run, results: { ...results, path: '/home/me/.altus/storage/b/results/run_id=r1' } });
  assert.match(local, /^results: Parquet dataset, one part per shard: \/home\/me\/\.altus\/storage\/b\/results\/run_id=r1$/m);
  assert.match(local, /^query: altus results r1 --sql "SELECT COUNT\(\*\) AS row_count FROM results"$/m);
  assert.doesNotMatch(local, /BigQuery/);
  assert.match(renderRun({ ...run, results }), /^BigQuery: bq mkdef … && bq query …$/m);
});
