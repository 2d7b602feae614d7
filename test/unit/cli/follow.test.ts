/** Following a run: plain lines off a terminal, cli-progress bars per cluster on one, a timeout that says what to do. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunDocument, ShardDocument } from '../../../shared/documents.ts';
import type { RunStore } from '../../../shared/run-store.ts';
import type { ShardFilter, ShardQueries } from '../../../shared/shard-queries.ts';
import { followRun } from '../../../scripts/cli/follow.ts';
import { UsageError } from '../../../scripts/cli/exit-codes.ts';

const placement = [
  { cluster: 'worker-a', region: 'us-central1', offset: 0, count: 3, job: 'altus-r-worker-a-a0' },
  { cluster: 'worker-b', region: 'europe-west1', offset: 3, count: 2, job: 'altus-r-worker-b-a0' },
];

function runDoc(status: RunDocument['status'], done = 0, failed = 0): RunDocument {
  return {
    runId: 'r',
    name: 'book',
    status,
    origin: { kind: 'request', requestId: 'r' },
    manifestHash: 'h',
    counts: { parameters: 50, shards: 5, shardsSucceeded: done - failed, shardsFailed: failed, parametersFailed: 0 },
    attempt: 0,
    createdAt: '2026-03-02T10:00:00Z',
    startedAt: '2026-03-02T10:00:00Z',
    ...(status === 'SUCCEEDED' || status === 'PARTIAL' ? { finishedAt: '2026-03-02T10:00:03Z' } : {}),
    placement,
  };
}

/** A run that moves one step per poll: recorded shards grow, then it ends. */
function scripted(steps: Array<{ status: RunDocument['status']; recorded: Array<Pick<ShardDocument, 'shard' | 'cluster' | 'status'>> }>) {
  let i = 0;
  const current = () => steps[Math.min(i, steps.length - 1)]!;
  const runs = {
    async getRun() {
      const step = current();
      i++;
      const failed = step.recorded.filter((s) => s.status === 'failed').length;
      return runDoc(step.status, step.recorded.length, failed);
    },
  } as unknown as RunStore;
  const shards: ShardQueries = {
    async count(_runId: string, f: ShardFilter = {}) {
      return steps[Math.min(Math.max(0, i - 1), steps.length - 1)]!.recorded.filter(
        (s) => (!f.cluster || s.cluster === f.cluster) && (!f.status || s.status === f.status),
      ).length;
    },
    async failed() {
      return [];
    },
    async withFailedParameters() {
      return [];
    },
  };
  return { runs, shards };
}

function captureStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = {
    isTTY,
    columns: 120,
    write(chunk: string) {
      chunks.push(String(chunk));
      return true;
    },
    on() {
      return stream;
    },
    once() {
      return stream;
    },
    removeListener() {
      return stream;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

const steps = [
  { status: 'RUNNING' as const, recorded: [{ shard: 0, cluster: 'worker-a', status: 'succeeded' as const }] },
  {
    status: 'RUNNING' as const,
    recorded: [
      { shard: 0, cluster: 'worker-a', status: 'succeeded' as const },
      { shard: 3, cluster: 'worker-b', status: 'failed' as const },
    ],
  },
  {
    status: 'PARTIAL' as const,
    recorded: [0, 1, 2, 3, 4].map((s) => ({
      shard: s,
      cluster: s < 3 ? 'worker-a' : 'worker-b',
      status: s === 3 ? ('failed' as const) : ('succeeded' as const),
    })),
  },
];

test('off a terminal: one plain line per change of status or period, with each cluster, and a final line', async () => {
  const { runs, shards } = scripted(steps);
  const out = captureStream(false);
  const run = await followRun(runs, 'r', { timeoutSeconds: 5, pollMilliseconds: 1, stream: out.stream, shards, lineSeconds: 0 });
  assert.equal(run.status, 'PARTIAL');
  const lines = out.text().trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT.* r RUNNING 1\/5 shards \(0 failed\) · .*ETA .* · worker-a 1\/3 · worker-b 0\/2$/);
  assert.match(lines[1]!, /r RUNNING 2\/5 shards \(1 failed\) .* worker-a 1\/3 · worker-b 1\/2 \(1 failed\)$/);
  assert.match(lines[2]!, /r PARTIAL 5\/5 shards \(1 failed\) in 3\.0 s · worker-a 3\/3 · worker-b 2\/2 \(1 failed\)$/);
  assert.doesNotMatch(out.text(), /\x1b\[/, 'no terminal escapes in a log file');
});

test('on a terminal: a bar for the run and one per cluster with its region', async () => {
  const { runs, shards } = scripted(steps);
  const out = captureStream(true);
  await followRun(runs, 'r', { timeoutSeconds: 5, pollMilliseconds: 150, stream: out.stream, shards });
  const text = out.text();
  assert.match(text, /book +█+ PARTIAL 5\/5 shards · 1 failed/);
  assert.match(text, / {3}worker-a \(us-central1\) +█+ 3\/3 · 0 failed/);
  assert.match(text, / {3}worker-b \(europe-west1\) +█+ 2\/2 · 1 failed/);
});

test('progress: false prints nothing; a run that does not end in time is a usage error naming `altus watch`', async () => {
  const { runs, shards } = scripted([steps[0]!]);
  const out = captureStream(false);
  await assert.rejects(
    followRun(runs, 'r', { timeoutSeconds: 0.05, pollMilliseconds: 10, stream: out.stream, shards, progress: false }),
    (error: Error) => error instanceof UsageError && /altus watch r/.test(error.message),
  );
  assert.equal(out.text(), '');
});
