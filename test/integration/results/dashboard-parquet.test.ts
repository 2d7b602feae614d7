/**
 * The dashboard over a Parquet run: the run page links the parts for download
 * and shows the SQL (the CLI's --sql command and the bq command); a part
 * downloads byte for byte; the failed parameter sets are read from the parts.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { createDashboard } from '../../../functions/dashboard/app.ts';
import { failedParameterSets } from '../../../functions/dashboard/failed-parameters.ts';
import type { ShardQueries } from '../../../shared/shard-queries.ts';
import type { RunDocument, ShardDocument } from '../../../shared/documents.ts';
import { createLogger } from '../../../shared/log.ts';
import { finishedRun } from '../../support/finished-run.ts';
import { MemoryRunStore } from '../../support/memory-run-store.ts';

/** The shard records of one run, answering the dashboard's queries from memory. */
class ShardList implements ShardQueries {
  constructor(private readonly shards: ShardDocument[]) {}
  async count(): Promise<number> {
    return this.shards.length;
  }
  async failed(_runId: string, limit: number): Promise<ShardDocument[]> {
    return this.shards.filter((s) => s.status === 'failed').slice(0, limit);
  }
  async withFailedParameters(_runId: string, limit: number): Promise<ShardDocument[]> {
    return this.shards.filter((s) => s.status === 'succeeded' && s.parametersFailed > 0).slice(0, limit);
  }
}

let base = '';
let fixture: Awaited<ReturnType<typeof finishedRun>>;
const server = createServer();

before(async () => {
  fixture = await finishedRun('parquet', [0.1, -0.2, 0.3]);
  const runs = new MemoryRunStore();
  const run: RunDocument = {
    ...fixture.run,
    name: 'sql',
    origin: { kind: 'request', requestId: fixture.run.runId },
    manifestHash: 'h',
    attempt: 0,
    createdAt: '2026-03-01T09:00:00Z',
    finishedAt: '2026-03-01T09:01:00Z',
    counts: { parameters: 30, shards: 3, shardsSucceeded: 3, shardsFailed: 0, parametersFailed: 10 },
  } as RunDocument;
  await runs.createRun(run);
  const app = createDashboard({
    runs,
    shards: new ShardList(fixture.shards),
    store: fixture.store,
    log: createLogger({ component: 'dashboard-test', minimumSeverity: 'ERROR' }),
    now: () => new Date('2026-03-01T10:00:00Z'),
    regions: {},
    projectId: 'demo',
  });
  server.on('request', (req, res) => void app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
after(() => server.close());

test('the run page links each part for download and shows the SQL and the bq command', async () => {
  const detail = (await (await fetch(`${base}api/runs/${fixture.run.runId}`)).json()) as { results: Record<string, unknown> };
  const results = detail.results as {
    format: string;
    parts: Array<{ name: string; downloadPath: string }>;
    partCount: number;
    sqlCommand: string;
    bigQuery: string;
  };
  assert.equal(results.format, 'parquet');
  assert.equal(results.partCount, 3);
  assert.deepEqual(
    results.parts.map((p) => p.name),
    ['part-000000.parquet', 'part-000001.parquet', 'part-000002.parquet'],
  );
  assert.equal(results.sqlCommand, `altus results ${fixture.run.runId} --sql "${fixture.run.results!.sql}"`);
  assert.match(results.sqlCommand, /SELECT COUNT\(\*\) AS row_count, COUNT\(error\) AS failed, AVG\(price\).* FROM results/);
  assert.equal(results.bigQuery, fixture.run.results!.bigQuery);

  const download = await fetch(base + results.parts[1]!.downloadPath);
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'application/vnd.apache.parquet');
  const bytes = Buffer.from(await download.arrayBuffer());
  assert.deepEqual(bytes, await fixture.store.read(fixture.shards[1]!.resultUri!));
  assert.equal(bytes.subarray(0, 4).toString(), 'PAR1');
  assert.equal((await fetch(`${base}api/runs/${fixture.run.runId}/parts/..%2Fplan.json`)).status, 404);
  assert.equal((await fetch(`${base}api/runs/${fixture.run.runId}/results.ndjson`)).status, 404, 'a Parquet run has no NDJSON file');
});

test('failed parameter sets are read from the Parquet parts: index, reason and the parameters as read', async () => {
  const rows = await failedParameterSets({ shards: new ShardList(fixture.shards), store: fixture.store }, fixture.run.runId, 4);
  assert.deepEqual(
    rows.map((r) => r.index),
    [1, 4, 7, 10],
  );
  assert.match(rows[0]!.error, /volatility must be > 0/);
  assert.deepEqual(rows[0]!.params, { type: 'call', spot: 100, rate: 0.03, maturity: 1, strike: 80, volatility: -0.2, dividendYield: 0 });
});
