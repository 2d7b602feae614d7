/**
 * Deadlines and clean-up: a finished run's unfinished Jobs are deleted on every
 * cluster (finished ones left to their TTL), again next tick for a cluster that
 * did not answer; the Jobs' TTL outlives the deadline plus reconcile's grace;
 * and with 1,000 open runs reconcile's pages reach every run within a bounded
 * number of ticks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createReconcileHandler, RUNS_PER_TICK } from '../../../functions/reconcile/handler.ts';
import { MAX_RECONCILE_GRACE_SECONDS, buildJob } from '../../../jobs/fleet/job-builder.ts';
import { parseRuntimeConfig } from '../../../shared/config.ts';
import type { RunDocument } from '../../../shared/documents.ts';
import { reconcileFixture } from '../../support/reconcile-fixture.ts';
import { jobRequest, requestTable, threeClusters } from '../../support/fleet-fixtures.ts';

const tick: CloudEvent<unknown> = {
  specversion: '1.0',
  id: 't',
  source: 'test',
  type: 'google.cloud.pubsub.topic.v1.messagePublished',
  data: { message: { data: Buffer.from(JSON.stringify({ v: 1 })).toString('base64') } },
} as CloudEvent<unknown>;

/** A Job of `runId` on `cluster`, attempt `attempt`, finished or not. */
function jobOf(runId: string, cluster: string, attempt: number, finished: boolean) {
  const c = threeClusters.clusters.find((k) => k.name === 'worker-a')!;
  const job = buildJob(jobRequest({ cluster: { ...c, name: cluster }, runId, attempt }));
  job.status = finished ? { conditions: [{ type: 'Complete', status: 'True' }] } : { active: 3 };
  return job;
}

for (const status of ['SUCCEEDED', 'PARTIAL', 'FAILED', 'CANCELLED'] as const) {
  test(`a ${status} run's unfinished Jobs are deleted on every cluster; its finished ones are left to their TTL`, async () => {
    const f = reconcileFixture();
    const run = await f.runningRun(`done-${status.toLowerCase()}`, 6, {
      status,
      finishedAt: f.minutesAgo(1),
      runFinishedPublished: true,
      fleetCleanedUp: false,
    });
    f.fleet.jobs.set('worker-a', [jobOf(run.runId, 'worker-a', 0, true), jobOf(run.runId, 'worker-a', 1, false)]);
    f.fleet.jobs.set('worker-b', [jobOf(run.runId, 'worker-b', 2, false), jobOf('another-run', 'worker-b', 0, false)]);
    // worker-b does not answer this tick: worker-a is cleaned, the run is kept for the next tick.
    f.fleet.unreachable.add('worker-b');
    await createReconcileHandler(f.deps)(tick);
    assert.deepEqual(f.fleet.deleted, [`worker-a/altus-${run.runId}-worker-a-a1`]);
    assert.equal((await f.runs.getRun(run.runId))!.fleetCleanedUp, false);
    f.fleet.unreachable.clear();
    await createReconcileHandler(f.deps)(tick);
    assert.deepEqual(f.fleet.deleted, [`worker-a/altus-${run.runId}-worker-a-a1`, `worker-b/altus-${run.runId}-worker-b-a2`]);
    assert.equal((await f.runs.getRun(run.runId))!.fleetCleanedUp, true);
    assert.deepEqual(
      f.fleet.jobs.get('worker-a')!.map((j) => j.metadata?.name),
      [`altus-${run.runId}-worker-a-a0`],
      'the finished Job stays',
    );
    assert.equal(f.fleet.jobs.get('worker-b')!.length, 1, "another run's Job is untouched");
    await createReconcileHandler(f.deps)(tick);
    assert.equal(f.fleet.deleted.length, 2, 'a cleaned-up run is not looked at again');
  });
}

test("the Jobs' TTL outlives their deadline plus twice the longest reconcile grace the configuration accepts", () => {
  for (const { request } of requestTable()) {
    const job = buildJob(request);
    assert.ok(job.spec!.ttlSecondsAfterFinished! >= job.spec!.activeDeadlineSeconds! + 2 * MAX_RECONCILE_GRACE_SECONDS);
  }
  const env = { ALTUS_PROJECT_ID: 'demo-x' };
  assert.equal(
    parseRuntimeConfig({ ...env, ALTUS_RECONCILE_GRACE_SECONDS: String(MAX_RECONCILE_GRACE_SECONDS) }).reconcileGraceMilliseconds,
    MAX_RECONCILE_GRACE_SECONDS * 1000,
  );
  assert.throws(() => parseRuntimeConfig({ ...env, ALTUS_RECONCILE_GRACE_SECONDS: String(MAX_RECONCILE_GRACE_SECONDS + 1) }), /ALTUS_RECONCILE_GRACE_SECONDS/);
});

test('with 1,000 open runs every run is looked at within ⌈1000 / 200⌉ ticks, at most 200 a tick, and the pages wrap around', async () => {
  const f = reconcileFixture();
  const looked: string[][] = [];
  let current: string[] = [];
  const totalTally = f.runs.totalTally.bind(f.runs);
  f.runs.totalTally = async (runId: string, shards: number) => {
    current.push(runId);
    return totalTally(runId, shards);
  };
  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const run: RunDocument = await f.runningRun(`open-${String((i * 7919) % 1000).padStart(4, '0')}`, 1);
    await f.record(run, [0]);
    ids.push(run.runId);
  }
  const handler = createReconcileHandler(f.deps);
  const ticks = Math.ceil(1000 / RUNS_PER_TICK);
  for (let t = 0; t < ticks + 1; t++) {
    current = [];
    await handler(tick);
    looked.push(current);
  }
  const seen = new Set(looked.slice(0, ticks).flat());
  assert.equal(seen.size, 1000, `every run within ${ticks} ticks`);
  assert.ok(looked.every((page) => page.length <= RUNS_PER_TICK));
  assert.deepEqual(looked[ticks]!.slice(0, 3), [...ids].sort().slice(0, 3), 'after the last page the first comes again');
});

test('with fewer open runs than a page the cursor is never written: a tick costs no Firestore write for it', async () => {
  const f = reconcileFixture();
  let writes = 0;
  f.runs.writeCursor = async () => void writes++;
  for (let i = 0; i < 3; i++) await f.record(await f.runningRun(`few-${i}`, 1), [0]);
  const handler = createReconcileHandler(f.deps);
  for (let t = 0; t < 4; t++) await handler(tick);
  assert.equal(writes, 0);
});
