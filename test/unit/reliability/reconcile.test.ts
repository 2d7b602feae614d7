/**
 * Reconcile, pass by pass: a healthy run costs its tallies and one Job list per
 * cluster (no shard scan); a lost completion, a cluster gone or the deadline
 * make it read the records and act; a run that never started ends FAILED with
 * its reason; a run-finished event a crash left owed is published.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReconcileHandler, ANNOUNCE_GRACE_MILLISECONDS } from '../../../functions/reconcile/handler.ts';
import { reconcileRun } from '../../../functions/reconcile/reconcile-run.ts';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { NOW, reconcileFixture } from '../../support/reconcile-fixture.ts';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { clusterNamed, jobRequest } from '../../support/fleet-fixtures.ts';

const tick: CloudEvent<unknown> = {
  specversion: '1.0',
  id: 't',
  source: 'test',
  type: 'google.cloud.pubsub.topic.v1.messagePublished',
  data: { message: { data: Buffer.from(JSON.stringify({ v: 1 })).toString('base64') } },
} as CloudEvent<unknown>;

test('reconcile: a healthy run is checked from its tallies and Job status, without reading a shard record', async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('healthy', 100);
  f.putJob(run, { completedIndexes: '0-39', active: 60 });
  await f.record(
    run,
    Array.from({ length: 40 }, (_, i) => i),
  );
  const report = await reconcileRun(f.deps, run);
  assert.deepEqual(report, { runId: 'healthy', scanned: false, recoveredFromResults: 0, recordedFailed: 0, redispatched: 0, aggregationRequested: false });
  assert.equal(f.runs.scans, 0);
  assert.equal(f.fleet.listCalls, 1);
  assert.deepEqual(f.published, []);
});

test('reconcile: an index that completed but whose completion was lost is recorded from its result, then aggregation is asked for', async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('lost-completion', 4);
  f.putJob(run, { completedIndexes: '0-3', conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: new Date(f.minutesAgo(2)) }] });
  await f.record(run, [0, 1, 3]);
  await f.leaveResult(run, 2);
  const report = await reconcileRun(f.deps, run);
  assert.equal(report.scanned, true);
  assert.equal(report.recoveredFromResults, 1);
  assert.equal(report.aggregationRequested, true);
  assert.equal((await f.runs.listShards(run.runId)).find((s) => s.shard === 2)?.status, 'succeeded');
  assert.deepEqual(
    f.published.map((p) => p.role),
    ['aggregate'],
  );
});

test("reconcile: a lost completion of a Parquet run is recorded from the part it left in the run's dataset folder", async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('lost-parquet', 2);
  f.putJob(run, { completedIndexes: '0-1', conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: new Date(f.minutesAgo(2)) }] });
  await f.record(run, [0]);
  await f.leaveResult(run, 1, 'parquet');
  const report = await reconcileRun(f.deps, run);
  assert.equal(report.recoveredFromResults, 1);
  const recovered = (await f.runs.listShards(run.runId)).find((s) => s.shard === 1);
  assert.equal(recovered?.resultUri, 'gs://altus-results/results/run_id=lost-parquet/part-000001.parquet');
  assert.deepEqual(
    f.published.map((p) => p.role),
    ['aggregate'],
  );
});

test('reconcile: completions of a running Job, or of one that just ended, are left to collect (they may be in flight)', async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('in-flight', 10);
  f.putJob(run, { completedIndexes: '0-4', active: 5 });
  await f.record(run, [0, 1, 2]);
  await f.leaveResult(run, 3);
  await f.leaveResult(run, 4);
  assert.equal((await reconcileRun(f.deps, run)).scanned, false);
  f.putJob(run, { completedIndexes: '0-9', conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: new Date(NOW.getTime() - 10_000) }] });
  const report = await reconcileRun(f.deps, run);
  assert.deepEqual([report.scanned, report.recoveredFromResults, report.redispatched], [false, 0, 0]);
  assert.equal(f.runs.scans, 0);
  assert.deepEqual(f.published, []);
});

test('reconcile: shards on an unreachable cluster are re-dispatched on the other one', async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('cluster-gone', 6);
  f.putJob(run, { completedIndexes: '0-1', active: 4 });
  await f.record(run, [0, 1]);
  f.fleet.unreachable.add('worker-a');
  const report = await reconcileRun(f.deps, run);
  assert.equal(report.redispatched, 4);
  const updated = (await f.runs.getRun(run.runId))!;
  assert.deepEqual(
    updated.redispatches?.map((r) => [r.cluster, r.attempt, r.shards]),
    [['worker-b', 1, [2, 3, 4, 5]]],
  );
  assert.deepEqual(
    f.published.map((p) => [p.role, p.message.cluster]),
    [['dispatch', 'worker-b']],
  );
});

test('reconcile: past the deadline a missing shard whose result is in the bucket still counts; the others fail with DEADLINE_EXCEEDED', async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('late', 4, { deadlineAt: f.minutesAgo(1) });
  f.putJob(run, { completedIndexes: '0-1', active: 2 });
  await f.record(run, [0, 1]);
  await f.leaveResult(run, 3);
  const report = await reconcileRun(f.deps, run);
  assert.equal(report.recoveredFromResults, 1);
  assert.equal(report.recordedFailed, 1);
  const shards = await f.runs.listShards(run.runId);
  assert.equal(shards.find((s) => s.shard === 3)?.status, 'succeeded');
  assert.match(shards.find((s) => s.shard === 2)!.error!, /^DEADLINE_EXCEEDED/);
  assert.equal(report.aggregationRequested, true);
});

test('reconcile tick: a run still ACCEPTED after 30 minutes ends FAILED with START_FAILED and its last error; a fresh one is left alone', async () => {
  const f = reconcileFixture();
  const base = {
    origin: { kind: 'request' as const, requestId: 'x' },
    manifestHash: 'h',
    counts: { parameters: 0, shards: 0, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
  };
  await f.runs.createRun({
    ...base,
    runId: 'stuck',
    name: 'stuck',
    status: 'ACCEPTED',
    createdAt: f.minutesAgo(31),
    lastError: { source: 'ingest', message: 'permission denied on the parameter file', at: f.minutesAgo(20) },
  });
  await f.runs.createRun({ ...base, runId: 'fresh', name: 'fresh', status: 'ACCEPTED', createdAt: f.minutesAgo(2) });
  await createReconcileHandler(f.deps)(tick);
  const stuck = (await f.runs.getRun('stuck'))!;
  assert.equal(stuck.status, 'FAILED');
  assert.equal(stuck.error?.code, 'START_FAILED');
  assert.match(stuck.error!.message, /did not start within 30 minutes.*ingest: permission denied on the parameter file/);
  assert.equal(stuck.runFinishedPublished, true);
  assert.equal((await f.runs.getRun('fresh'))!.status, 'ACCEPTED');
  assert.deepEqual(
    f.published.map((p) => [p.role, p.message.runId, p.message.status]),
    [['runFinished', 'stuck', 'FAILED']],
  );
});

test('reconcile tick: a finished run whose run-finished event is still owed is announced once, after a grace period', async () => {
  const f = reconcileFixture();
  const base = {
    origin: { kind: 'request' as const, requestId: 'x' },
    manifestHash: 'h',
    counts: { parameters: 1, shards: 1, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: f.minutesAgo(10),
  };
  const graceMinutes = ANNOUNCE_GRACE_MILLISECONDS / 60_000;
  await f.runs.createRun({ ...base, runId: 'owed', name: 'owed', status: 'REJECTED', finishedAt: f.minutesAgo(graceMinutes + 1), runFinishedPublished: false });
  await f.runs.createRun({ ...base, runId: 'just-now', name: 'just-now', status: 'CANCELLED', finishedAt: NOW.toISOString(), runFinishedPublished: false });
  await f.runs.createRun({ ...base, runId: 'done', name: 'done', status: 'SUCCEEDED', finishedAt: f.minutesAgo(9), runFinishedPublished: true });
  const handler = createReconcileHandler(f.deps);
  await handler(tick);
  await handler(tick);
  assert.deepEqual(
    f.published.map((p) => [p.role, p.message.runId, p.message.status]),
    [['runFinished', 'owed', 'REJECTED']],
  );
  assert.equal((await f.runs.getRun('owed'))!.runFinishedPublished, true);
  assert.equal((await f.runs.getRun('just-now'))!.runFinishedPublished, false);
});

test('reconcile: the grace comes from the configuration when it is set (the test stacks shorten it)', async () => {
  const f = reconcileFixture();
  f.deps.config = { ...f.deps.config, reconcileGraceMilliseconds: 5_000 };
  const run = await f.runningRun('short-grace', 2);
  f.putJob(run, { completedIndexes: '0-1', conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: new Date(NOW.getTime() - 10_000) }] });
  await f.record(run, [0]);
  await f.leaveResult(run, 1);
  const report = await reconcileRun(f.deps, run);
  assert.deepEqual([report.scanned, report.recoveredFromResults, report.aggregationRequested], [true, 1, true]);
});

test('reconcile: a re-dispatched Job (its list in the bucket) has its indexes mapped onto the shards the run recorded for it', async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('listed', 6, { redispatches: [{ cluster: 'worker-a', attempt: 1, shards: [2, 5], reason: 'lost', at: f.minutesAgo(4) }] });
  await f.record(run, [0, 1, 3, 4]);
  const job = buildJob({
    ...jobRequest({ cluster: clusterNamed(f.deps.fleetConfig, 'worker-a') }),
    fleet: f.deps.fleetConfig,
    runId: run.runId,
    attempt: 1,
    shards: { list: [2, 5] },
    planUri: run.planUri!,
  });
  job.status = { completedIndexes: '0-1', conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: new Date(f.minutesAgo(3)) }] };
  f.fleet.jobs.set('worker-a', [job]);
  await f.leaveResult(run, 2);
  await f.leaveResult(run, 5);
  const report = await reconcileRun(f.deps, run);
  assert.deepEqual([report.recoveredFromResults, report.redispatched], [2, 0]);
});
