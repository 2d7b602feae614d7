/**
 * A run whose every shard fails — a broken custom image, say — at 20,000 shards:
 * the aggregate must still be able to finish it. Listing every failed shard with
 * its reason on the run document would be megabytes (Firestore refuses a
 * document over 1 MiB, and the run would stay AGGREGATING for good), so the
 * document lists the first ones and keeps the whole set as ranges, and
 * `altus retry` sends every one of them again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createAggregateHandler } from '../../../functions/aggregate/handler.ts';
import { retryRun } from '../../../functions/pipeline/retry.ts';
import { FAILED_REASON_CHARS, FAILED_SHARDS_LISTED } from '../../../shared/documents.ts';
import { manifestSchema } from '../../../shared/manifest.ts';
import type { DispatchMessage } from '../../../shared/messages.ts';
import type { RunPlan } from '../../../shared/run-plan.ts';
import { NOW, reconcileFixture } from '../../support/reconcile-fixture.ts';

const pubsubEvent = (json: unknown): CloudEvent<unknown> =>
  ({
    specversion: '1.0',
    id: 'x',
    source: 'test',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message: { data: Buffer.from(JSON.stringify(json)).toString('base64') } },
  }) as CloudEvent<unknown>;

test('20,000 failed shards with long reasons: the run finishes FAILED with a bounded document, and retry sends all 20,000 again', async () => {
  const f = reconcileFixture();
  const shards = 20_000;
  const run = await f.runningRun('all-failed', shards);
  const manifest = manifestSchema.parse({
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 'all-failed',
    kernel: { name: 'black-scholes' },
    parameters: { inline: [{}] },
    shardSize: 1,
  });
  const plan: RunPlan = {
    v: 1,
    runId: run.runId,
    resultsBucket: 'altus-results',
    manifest,
    kernelOptions: {},
    metrics: ['price'],
    quantiles: [0.5],
    parameterCount: shards,
    shardSize: 1,
    shardCount: shards,
  };
  await f.store.write(run.planUri!, JSON.stringify(plan));
  const reason = (shard: number) => `exit 1: Traceback (most recent call last) in shard ${shard}: ${'x'.repeat(900)}`;
  for (let shard = 0; shard < shards; shard++) {
    await f.runs.recordShard(
      run.runId,
      {
        shard,
        status: 'failed',
        error: reason(shard),
        attempt: 0,
        cluster: 'worker-a',
        parameters: 1,
        parametersFailed: 0,
        cpuSeconds: 0,
        recordedAt: NOW.toISOString(),
      },
      shards,
    );
  }

  assert.equal(await createAggregateHandler(f.deps)(pubsubEvent({ v: 1, runId: run.runId })), 'FAILED');
  const finished = (await f.runs.getRun(run.runId))!;
  assert.equal(finished.error?.code, 'ALL_SHARDS_FAILED');
  assert.equal(finished.counts.shardsFailed, shards);
  assert.equal(finished.failedShards!.length, FAILED_SHARDS_LISTED);
  assert.deepEqual(finished.failedShards![0], { shard: 0, reason: reason(0).slice(0, FAILED_REASON_CHARS) });
  assert.equal(finished.failedShardList, `0-${shards - 1}`);
  const bytes = Buffer.byteLength(JSON.stringify(finished));
  assert.ok(bytes < 128 * 1024, `the run document is ${bytes} bytes as JSON; every reason listed would be ${shards * 1000}`);

  const retried = await retryRun(f.deps, run.runId);
  assert.equal(retried.shards, shards);
  const sent = f.published
    .filter((p) => p.role === 'dispatch')
    .flatMap((p) => {
      const { shards: list } = p.message as unknown as DispatchMessage;
      return 'list' in list ? list.list : [];
    })
    .sort((a, b) => a - b);
  assert.equal(sent.length, shards);
  assert.deepEqual(sent, [...Array(shards).keys()]);
  const reopened = (await f.runs.getRun(run.runId))!;
  assert.equal(reopened.status, 'RUNNING');
  assert.equal(reopened.failedShardList, undefined);
  assert.equal(await f.runs.countShards(run.runId), 0, 'every failed record was removed for the new attempt');
});
