/** The read model of run progress (shared/run-progress.ts) the dashboard and the CLI both draw from. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunDocument, ShardDocument } from '../../shared/documents.ts';
import { overallProgress, runDurationSeconds, runProgress, summarizeRun } from '../../shared/run-progress.ts';
import type { ShardFilter, ShardQueries } from '../../shared/shard-queries.ts';

type Recorded = Pick<ShardDocument, 'shard' | 'cluster' | 'status'>;

/** Shard queries over an in-memory list of records, counting what a filter selects. */
function queriesOver(recorded: readonly Recorded[]): ShardQueries & { asked: number } {
  const matches = (s: Recorded, f: ShardFilter = {}) =>
    (f.cluster === undefined || s.cluster === f.cluster) && (f.status === undefined || s.status === f.status);
  const queries = {
    asked: 0,
    async count(_runId: string, filter?: ShardFilter) {
      queries.asked += 1;
      return recorded.filter((s) => matches(s, filter)).length;
    },
    async failed() {
      return [];
    },
    async withFailedParameters() {
      return [];
    },
  };
  return queries;
}

function run(overrides: Partial<RunDocument> = {}): RunDocument {
  return {
    runId: 'r',
    name: 'book',
    status: 'RUNNING',
    origin: { kind: 'request', requestId: 'r' },
    manifestHash: 'h',
    counts: { parameters: 50, shards: 5, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: '2026-03-02T10:00:00Z',
    startedAt: '2026-03-02T10:00:02Z',
    placement: [
      { cluster: 'worker-a', region: 'us-central1', offset: 0, count: 3, job: 'altus-r-worker-a-a0' },
      { cluster: 'worker-b', region: 'europe-west1', offset: 3, count: 2, job: 'altus-r-worker-b-a0' },
    ],
    ...overrides,
  };
}

const RECORDED: Recorded[] = [
  { shard: 0, cluster: 'worker-a', status: 'succeeded' },
  { shard: 1, cluster: 'worker-c', status: 'succeeded' },
  { shard: 3, cluster: 'worker-b', status: 'failed' },
];

describe('run progress', () => {
  const cases: Array<{ name: string; run: RunDocument; expected: { total: number; done: number; failed: number }; queries: number }> = [
    { name: 'running: counted from the shard records', run: run(), expected: { total: 5, done: 3, failed: 1 }, queries: 2 },
    {
      name: 'ended: from the run document, without a query',
      run: run({ status: 'PARTIAL', counts: { parameters: 50, shards: 5, shardsSucceeded: 4, shardsFailed: 1, parametersFailed: 2 } }),
      expected: { total: 5, done: 5, failed: 1 },
      queries: 0,
    },
    {
      name: 'not planned yet: nothing to ask',
      run: run({ counts: { parameters: 0, shards: 0, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 } }),
      expected: { total: 0, done: 0, failed: 0 },
      queries: 0,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const queries = queriesOver(RECORDED);
      assert.deepEqual(await overallProgress(c.run, queries), c.expected);
      assert.equal(queries.asked, c.queries);
    });
  }

  test('per cluster: placement order, then a re-dispatch target with the region the fleet gives it', async () => {
    const moved = run({ redispatches: [{ attempt: 1, cluster: 'worker-c', shards: [1], reason: 'lost', at: '2026-03-02T10:00:20Z' }] });
    const progress = await runProgress(moved, queriesOver(RECORDED), { 'worker-c': 'asia-east1' });
    assert.deepEqual(
      progress.clusters.map((c) => [c.cluster, c.region, c.total, c.done, c.failed]),
      [
        ['worker-a', 'us-central1', 2, 1, 0],
        ['worker-b', 'europe-west1', 2, 1, 1],
        ['worker-c', 'asia-east1', 1, 1, 0],
      ],
    );
    assert.deepEqual({ total: progress.total, done: progress.done, failed: progress.failed }, { total: 5, done: 3, failed: 1 });
  });

  test('duration: start to finish once ended, start to now while running', () => {
    const now = new Date('2026-03-02T10:01:02Z');
    assert.equal(runDurationSeconds(run(), now), 60);
    assert.equal(runDurationSeconds(run({ finishedAt: '2026-03-02T10:00:12Z' }), now), 10);
    const summary = summarizeRun(run({ error: { code: 'SHARDS_FAILED', message: 'm' } }), { total: 5, done: 3, failed: 1 }, now);
    assert.deepEqual([summary.durationSeconds, summary.progress, summary.error?.code], [60, { total: 5, done: 3, failed: 1 }, 'SHARDS_FAILED']);
  });
});
