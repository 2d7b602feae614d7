/**
 * The Firestore run store on the real emulator: shard records and their tallies
 * stay equal through duplicates and deletions, and the sweep of unannounced
 * runs finds exactly the finished runs that still owe their event.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunDocument } from '../../shared/documents.ts';
import { tallyGroups } from '../../shared/run-store.ts';
import { createFirestore } from '../../shared/clients.ts';
import { stackClients, testStack } from '../support/stack.ts';

const base = (runId: string, shards: number): RunDocument => ({
  runId,
  name: runId,
  status: 'RUNNING',
  origin: { kind: 'request', requestId: runId },
  manifestHash: 'h',
  counts: { parameters: shards, shards, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
  attempt: 0,
  createdAt: new Date().toISOString(),
});

test('run store: tallies equal the records through duplicate records and repeated deletions', async () => {
  const { runs } = stackClients(testStack());
  const runId = `store-tally-${Date.now()}`;
  const shards = 50;
  await runs.createRun(base(runId, shards));
  const record = (shard: number) =>
    runs.recordShard(
      runId,
      {
        shard,
        status: shard % 7 === 0 ? 'failed' : 'succeeded',
        attempt: 0,
        cluster: 'worker-a',
        parameters: 1,
        parametersFailed: 0,
        cpuSeconds: 0,
        recordedAt: new Date().toISOString(),
      },
      shards,
    );
  const outcomes = await Promise.all([...Array(shards).keys()].flatMap((s) => [record(s), record(s)]));
  assert.equal(outcomes.filter((o) => o === 'recorded').length, shards);
  assert.equal(await runs.totalTally(runId, shards), shards);
  const failed = [0, 7, 14, 21, 28, 35, 42, 49];
  await runs.deleteShards(runId, failed, shards);
  await runs.deleteShards(runId, failed, shards);
  assert.equal(await runs.countShards(runId), shards - failed.length);
  assert.equal(await runs.totalTally(runId, shards), shards - failed.length);
  const groups = tallyGroups(shards);
  for (let g = 0; g < groups; g++) {
    const left = [...Array(shards).keys()].filter((s) => s % groups === g && !failed.includes(s)).length;
    assert.equal(await runs.groupTally(runId, shards, g), left, `group ${g}`);
  }
});

test('run store: listUnannounced returns finished runs flagged runFinishedPublished: false, and no others', async () => {
  const { runs } = stackClients(testStack());
  const stamp = Date.now();
  await runs.createRun({ ...base(`owed-${stamp}`, 1), status: 'REJECTED', runFinishedPublished: false });
  await runs.createRun({ ...base(`paid-${stamp}`, 1), status: 'SUCCEEDED', runFinishedPublished: true });
  const ids = (await runs.listUnannounced(500)).map((r) => r.runId);
  assert.ok(ids.includes(`owed-${stamp}`));
  assert.ok(!ids.includes(`paid-${stamp}`));
});

test('run store: re-dispatch shard lists are stored as ranges, so 150,000 re-dispatched shards fit where the array would not', async () => {
  const stack = testStack();
  const { runs } = stackClients(stack);
  const db = createFirestore(stack);
  const runId = `store-ranges-${Date.now()}`;
  const shards = 100_000;
  await runs.createRun(base(runId, shards));
  // A cluster lost three times: 50,000 shards each time, the second time every other one.
  const contiguous = Array.from({ length: 50_000 }, (_, i) => 50_000 + i);
  const scattered = Array.from({ length: 50_000 }, (_, i) => 2 * i);
  const redispatches = [contiguous, scattered, contiguous].map((list, i) => ({
    attempt: i + 1,
    cluster: 'worker-b',
    shards: list,
    reason: 'worker-b unreachable',
    at: new Date().toISOString(),
  }));
  await assert.rejects(
    db.collection('runs').doc(runId).update({ redispatches }),
    /maximum entity size|INVALID_ARGUMENT/,
    "the emulator holds Firestore's 1 MiB limit",
  );

  const updated = await runs.transition(runId, ['RUNNING'], { redispatches });
  assert.deepEqual(updated?.redispatches, redispatches);
  const read = (await runs.getRun(runId))!;
  assert.deepEqual(read.redispatches, redispatches);
  assert.equal(read.redispatches![1]!.shards.length, 50_000);
  const stored = (await db.collection('runs').doc(runId).get()).get('redispatches') as Array<{ shards: string }>;
  assert.equal(stored[0]!.shards, '50000-99999');
  assert.equal((await runs.listRunsByStatus(['RUNNING'], 500)).find((r) => r.runId === runId)?.redispatches?.[2]?.shards.length, 50_000);
});

test('run store: open runs page in run-id order after a cursor; finished runs still to clean up are found; the cursor is kept', async () => {
  const { runs } = stackClients(testStack());
  const stamp = Date.now();
  const ids = [0, 1, 2, 3, 4].map((i) => `page-${stamp}-${i}`);
  for (const id of [...ids].reverse()) await runs.createRun({ ...base(id, 1), status: 'AGGREGATING' });
  const mine = (page: RunDocument[]) => page.map((r) => r.runId).filter((id) => id.startsWith(`page-${stamp}-`));
  const first = await runs.listRunsByStatus(['AGGREGATING'], 500, `page-${stamp}-`);
  assert.deepEqual(mine(first).slice(0, 5), ids);
  const after = await runs.listRunsByStatus(['AGGREGATING'], 2, ids[1]);
  assert.deepEqual(mine(after), ids.slice(2, 4));
  await runs.createRun({ ...base(`dirty-${stamp}`, 1), status: 'FAILED', fleetCleanedUp: false });
  await runs.createRun({ ...base(`clean-${stamp}`, 1), status: 'FAILED', fleetCleanedUp: true });
  const uncleaned = (await runs.listUncleaned(500)).map((r) => r.runId);
  assert.ok(uncleaned.includes(`dirty-${stamp}`));
  assert.ok(!uncleaned.includes(`clean-${stamp}`));
  await runs.writeCursor(`test-${stamp}`, ids[3]);
  assert.equal(await runs.readCursor(`test-${stamp}`), ids[3]);
  await runs.writeCursor(`test-${stamp}`, undefined);
  assert.equal(await runs.readCursor(`test-${stamp}`), undefined);
});
