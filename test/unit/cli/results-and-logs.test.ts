/** `altus results` formatting and top-N selection; `altus logs` shard → (Job, index) mapping and the Cloud Logging query. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { RunDocument } from '../../../shared/documents.ts';
import { jobName } from '../../../jobs/fleet/job-builder.ts';
import { Columns, csvRecord, renderTable, resultRows, topRows, type ResultRow } from '../../../scripts/cli/results-output.ts';
import { cloudLogQuery, localLogFiles, podSlots } from '../../../scripts/cli/worker-logs.ts';

const rows: ResultRow[] = [
  { index: 0, params: { type: 'call', spot: 42 }, price: 4.75, delta: 0.5 },
  { index: 1, params: { type: 'put', spot: 42, dividendYield: 0.01 }, price: 0.81, delta: -0.3 },
  { index: 2, params: { type: 'call', spot: -1 }, error: 'spot must be > 0' },
  { index: 3, params: { type: 'call', spot: 50 }, price: 9.5, delta: 0.7 },
  { index: 4, params: { type: 'call', spot: 42 }, price: 4.75, delta: 0.5 },
];
const ndjson = () => Readable.from([rows.map((r) => JSON.stringify(r)).join('\n') + '\n']);

test('top N by a metric: largest first, ties in file order, rows without the metric skipped', async () => {
  assert.deepEqual(
    (await topRows(resultRows(ndjson()), 3, 'price')).map((r) => r.index),
    [3, 0, 4],
  );
  assert.deepEqual(
    (await topRows(resultRows(ndjson()), 10, 'delta')).map((r) => r.index),
    [3, 0, 4, 1],
  );
  assert.deepEqual(await topRows(resultRows(ndjson()), 2, 'vega'), []);
});

test('columns: index, the union of parameter keys, outputs, error; CSV quotes what needs quoting', async () => {
  const columns = new Columns();
  for await (const row of resultRows(ndjson())) columns.add(row);
  assert.deepEqual(columns.names(), ['index', 'params.type', 'params.spot', 'params.dividendYield', 'price', 'delta', 'error']);
  assert.equal(csvRecord(columns.cells(rows[1]!)), '1,put,42,0.01,0.81,-0.3,');
  assert.equal(csvRecord(columns.cells(rows[2]!)), '2,call,-1,,,,spot must be > 0');
  assert.equal(csvRecord(['a,b', 'say "hi"', { x: [1, 2] }, null]), '"a,b","say ""hi""","{""x"":[1,2]}",');
});

test('table: a header without the params. prefix, numbers right-aligned, long cells cut', () => {
  const columns = new Columns();
  const long: ResultRow = { index: 10, params: { positions: Array.from({ length: 20 }, (_, i) => ({ value: i * 1000 })) }, var: 123456.789 };
  columns.add(long);
  columns.add(rows[0]!);
  const lines = renderTable(columns, [long, rows[0]!]).split('\n');
  assert.match(lines[0]!, /^index {2}positions +type {2}spot +var {2}price {2}delta$/);
  assert.ok(lines[1]!.includes('…'), 'a 20-position list is cut');
  assert.match(lines[2]!, /^ {4}0 .* 4\.75 +0\.5$/);
});

const run = {
  runId: 'r1',
  counts: { shards: 5 },
  placement: [
    { cluster: 'worker-a', region: 'us-central1', offset: 0, count: 3, job: 'altus-r1-worker-a-a0' },
    { cluster: 'worker-b', region: 'europe-west1', offset: 3, count: 2, job: 'altus-r1-worker-b-a0' },
  ],
  redispatches: [{ attempt: 1, cluster: 'worker-a', shards: [2, 4], reason: 'lost', at: '2026-03-02T10:00:00Z' }],
} as unknown as RunDocument;

test('a shard maps to its Job index: shard − offset in the placement, its position in a re-dispatch list', () => {
  assert.deepEqual(podSlots(run, 4), [
    { shard: 4, cluster: 'worker-b', attempt: 0, job: 'altus-r1-worker-b-a0', index: 1 },
    { shard: 4, cluster: 'worker-a', attempt: 1, job: jobName('r1', 'worker-a', 1), index: 1 },
  ]);
  assert.deepEqual(podSlots(run, 1), [{ shard: 1, cluster: 'worker-a', attempt: 0, job: 'altus-r1-worker-a-a0', index: 1 }]);
  assert.equal(podSlots(run).length, 7);
});

test('local log files: every try of the slot, in order; other indexes and stray files ignored', () => {
  const pods = mkdtempSync(join(tmpdir(), 'altus-pods-'));
  const dir = join(pods, 'r1', 'altus-r1-worker-b-a0');
  mkdirSync(dir, { recursive: true });
  for (const name of ['1-1.log', '1-0.log', '0-0.log', '11-0.log', 'notes.txt']) writeFileSync(join(dir, name), name);
  const files = localLogFiles(pods, run, podSlots(run, 4));
  assert.deepEqual(
    files.map((f) => [f.job, f.index, f.try]),
    [
      ['altus-r1-worker-b-a0', 1, 0],
      ['altus-r1-worker-b-a0', 1, 1],
    ],
  );
});

test('in the cloud: a Logging query on the labels the worker logs carry, as gcloud and console forms', () => {
  const q = cloudLogQuery('my-proj', 'r1', 7);
  assert.match(q.filter, /resource\.type="k8s_container"/);
  assert.match(q.filter, /labels\.runId="r1"/);
  assert.match(q.filter, /labels\.shard="7"/);
  assert.match(q.command, /^gcloud logging read '.*labels\.runId="r1" AND labels\.shard="7"' --project=my-proj /);
  assert.ok(q.consoleUrl.startsWith('https://console.cloud.google.com/logs/query;query='));
  assert.ok(q.consoleUrl.endsWith('?project=my-proj'));
  assert.doesNotMatch(cloudLogQuery('p', 'r1').filter, /shard/);
});
