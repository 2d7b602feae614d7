/**
 * `altus retry`: a PARTIAL run's failed shards go out again as a new attempt, and
 * a retry that died half-way (records deleted, run not yet re-opened) is taken
 * up by the next one instead of being refused. Tallies follow the records.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryRun } from '../../../functions/pipeline/retry.ts';
import type { RunStatus } from '../../../shared/documents.ts';
import type { RunPatch } from '../../../shared/run-store.ts';
import { manifestSchema } from '../../../shared/manifest.ts';
import type { RunPlan } from '../../../shared/run-plan.ts';
import { reconcileFixture } from '../../support/reconcile-fixture.ts';

test('retry: a retry that died between deleting the failed records and re-opening the run is completed by the next retry', async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('partial-run', 4, {
    status: 'PARTIAL',
    failedShards: [
      { shard: 1, reason: 'bad' },
      { shard: 3, reason: 'bad' },
    ],
    finishedAt: f.minutesAgo(1),
    runFinishedPublished: true,
  });
  const manifest = manifestSchema.parse({
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 'partial-run',
    kernel: { name: 'black-scholes' },
    parameters: { inline: [{}] },
    shardSize: 1,
  });
  await f.store.write(
    run.planUri!,
    JSON.stringify({
      v: 1,
      runId: run.runId,
      resultsBucket: 'altus-results',
      manifest,
      kernelOptions: {},
      metrics: ['price'],
      quantiles: [0.5],
      shardCount: 4,
      parameterCount: 4,
      shardSize: 1,
    } satisfies RunPlan),
  );
  await f.record(run, [0, 2]);
  await f.record(run, [1, 3], 'failed');
  assert.equal(await f.runs.totalTally(run.runId, 4), 4);

  // The first retry dies at the guarded re-open (as a killed CLI would).
  const transition = f.runs.transition.bind(f.runs);
  f.runs.transition = async (runId: string, from: readonly RunStatus[], patch: RunPatch) => {
    if (patch.status === 'RUNNING') throw new Error('killed');
    return transition(runId, from, patch);
  };
  await assert.rejects(retryRun(f.deps, run.runId), /killed/);
  assert.equal((await f.runs.getRun(run.runId))!.status, 'PARTIAL');
  assert.deepEqual(
    (await f.runs.listShards(run.runId)).map((s) => s.shard),
    [0, 2],
  );
  assert.equal(await f.runs.totalTally(run.runId, 4), 2, 'tallies follow the deleted records');

  f.runs.transition = transition;
  assert.deepEqual(await retryRun(f.deps, run.runId), { shards: 2, attempt: 1 });
  const reopened = (await f.runs.getRun(run.runId))!;
  assert.equal(reopened.status, 'RUNNING');
  assert.equal(reopened.failedShards, undefined);
  assert.equal(reopened.runFinishedPublished, undefined);
  assert.deepEqual(reopened.redispatches!.flatMap((r) => r.shards).sort(), [1, 3]);
  assert.equal(await f.runs.totalTally(run.runId, 4), 2, 'deleting again changed nothing');
  assert.ok(f.published.every((p) => p.role === 'dispatch'));
});
