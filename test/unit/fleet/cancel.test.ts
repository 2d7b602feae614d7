import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventBus } from '../../../shared/bus.ts';
import { emptyCounts, type RunDocument, type RunStatus } from '../../../shared/documents.ts';
import { runFinishedSchema, type TopicRole } from '../../../shared/messages.ts';
import type { RunPatch, RunStore } from '../../../shared/run-store.ts';
import type { Fleet } from '../../../jobs/fleet/fleet.ts';
import { cancelExitCode, cancelRun, type CancelDependencies } from '../../../scripts/cli/cancel-command.ts';

/** The slice of a run store cancel uses, in memory, with the same guarded transition. */
function memoryRuns(doc: RunDocument): RunStore & { doc: RunDocument } {
  const store = {
    doc,
    async getRun(runId: string) {
      return runId === store.doc.runId ? structuredClone(store.doc) : null;
    },
    async transition(_runId: string, from: readonly RunStatus[], patch: RunPatch) {
      if (!from.includes(store.doc.status)) return null;
      store.doc = { ...store.doc, ...(patch as Partial<RunDocument>) };
      return structuredClone(store.doc);
    },
    async update(_runId: string, patch: RunPatch) {
      store.doc = { ...store.doc, ...(patch as Partial<RunDocument>) };
    },
  };
  return store as unknown as RunStore & { doc: RunDocument };
}

function run(status: RunStatus, extra: Partial<RunDocument> = {}): RunDocument {
  return {
    runId: 'book-1',
    name: 'book',
    status,
    origin: { kind: 'request', requestId: 'book-1' } as RunDocument['origin'],
    manifestHash: 'h',
    attempt: 0,
    counts: { ...emptyCounts(), parameters: 400, shards: 200, shardsSucceeded: 37 },
    createdAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  };
}

function setup(doc: RunDocument, lost: string[] = []) {
  const published: Array<{ role: TopicRole; message: object }> = [];
  const order: string[] = [];
  const bus: EventBus = {
    publish: async (role, message) => {
      published.push({ role, message });
      order.push('publish');
      return 'id';
    },
  };
  const fleet = {
    deleteJobs: async (cluster: string) => {
      order.push(`delete ${cluster}`);
      if (lost.includes(cluster)) throw new Error(`delete Jobs on cluster ${cluster} failed after 5 attempts: cluster ${cluster} is unreachable`);
      return 1;
    },
  } as unknown as Fleet;
  const runs = memoryRuns(doc);
  const deps: CancelDependencies = {
    fleet,
    runs,
    bus,
    clusters: ['worker-a', 'worker-b'],
    namespace: 'altus',
    now: () => new Date('2025-01-01T01:00:00.000Z'),
  };
  return { deps, runs, published, order };
}

for (const status of ['ACCEPTED', 'RUNNING', 'AGGREGATING'] as const) {
  test(`cancelling a ${status} run: CANCELLED, one run-finished event (schema-valid, with its counts) before the Jobs go`, async () => {
    const { deps, runs, published, order } = setup(run(status));
    const outcome = await cancelRun(deps, 'book-1');
    assert.deepEqual(outcome, { status: 'CANCELLED', cancelled: true, deletedJobs: 2, unreachable: [] });
    assert.equal(runs.doc.status, 'CANCELLED');
    assert.equal(runs.doc.runFinishedPublished, true);
    assert.deepEqual(published, [{ role: 'runFinished', message: { v: 1, runId: 'book-1', status: 'CANCELLED', counts: run(status).counts } }]);
    assert.doesNotThrow(() => runFinishedSchema.parse(published[0]!.message));
    assert.deepEqual(order, ['publish', 'delete worker-a', 'delete worker-b']);
  });
}

for (const status of ['SUCCEEDED', 'PARTIAL', 'FAILED', 'REJECTED'] as const) {
  test(`cancelling a run that already ended ${status}: nothing published, its status kept, leftover Jobs deleted`, async () => {
    const { deps, runs, published } = setup(run(status, { runFinishedPublished: true }));
    const outcome = await cancelRun(deps, 'book-1');
    assert.equal(outcome.cancelled, false);
    assert.equal(outcome.status, status);
    assert.equal(runs.doc.status, status);
    assert.deepEqual(published, []);
  });
}

test('cancelling twice publishes once', async () => {
  const { deps, published } = setup(run('RUNNING'));
  await cancelRun(deps, 'book-1');
  const again = await cancelRun(deps, 'book-1');
  assert.equal(again.cancelled, false);
  assert.equal(again.status, 'CANCELLED');
  assert.equal(published.length, 1);
});

test('a cancel that died before announcing: the next cancel publishes the event', async () => {
  const { deps, published } = setup(run('CANCELLED'));
  const outcome = await cancelRun(deps, 'book-1');
  assert.equal(outcome.cancelled, false);
  assert.deepEqual(
    published.map((p) => (p.message as { status: string }).status),
    ['CANCELLED'],
  );
});

test('a lost cluster: the run is still cancelled and announced; the cluster is reported, the other cleaned', async () => {
  const { deps, runs, published } = setup(run('RUNNING'), ['worker-b']);
  const outcome = await cancelRun(deps, 'book-1');
  assert.equal(runs.doc.status, 'CANCELLED');
  assert.equal(published.length, 1);
  assert.equal(outcome.deletedJobs, 1);
  assert.deepEqual(outcome.unreachable, [
    { cluster: 'worker-b', reason: 'delete Jobs on cluster worker-b failed after 5 attempts: cluster worker-b is unreachable' },
  ]);
});

test('an unknown run is a usage error and changes nothing', async () => {
  const { deps, published } = setup(run('RUNNING'));
  await assert.rejects(cancelRun(deps, 'nope'), /no run nope/);
  assert.deepEqual(published, []);
});

test("altus cancel exits 0 when it cancelled the run; 3 when a cluster could not be reached; else the ended run's own code", () => {
  assert.equal(cancelExitCode({ status: 'CANCELLED', cancelled: true, deletedJobs: 2, unreachable: [] }), 0);
  assert.equal(cancelExitCode({ status: 'CANCELLED', cancelled: true, deletedJobs: 1, unreachable: [{ cluster: 'worker-b', reason: 'ECONNREFUSED' }] }), 3);
  assert.equal(cancelExitCode({ status: 'SUCCEEDED', cancelled: false, deletedJobs: 0, unreachable: [] }), 0);
  assert.equal(cancelExitCode({ status: 'PARTIAL', cancelled: false, deletedJobs: 0, unreachable: [] }), 1);
  assert.equal(cancelExitCode({ status: 'CANCELLED', cancelled: false, deletedJobs: 0, unreachable: [] }), 4);
});
