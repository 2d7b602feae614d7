/**
 * collect per completion: record once, check the group tally, ask for the
 * aggregate when every shard is in; a function instance reuses a run document
 * for RUN_CACHE_MILLISECONDS, then reads it again (a finished run's late
 * completions are ignored once it does).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createCollectHandler, RUN_CACHE_MILLISECONDS } from '../../../functions/collect/handler.ts';
import { NOW, reconcileFixture } from '../../support/reconcile-fixture.ts';

const completion = (runId: string, shard: number): CloudEvent<unknown> =>
  ({
    specversion: '1.0',
    id: `c${shard}`,
    source: 'test',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: {
      message: {
        data: Buffer.from(
          JSON.stringify({
            v: 1,
            runId,
            shard,
            attempt: 0,
            cluster: 'worker-a',
            status: 'succeeded',
            resultUri: 'gs://r/a',
            partialUri: 'gs://r/b',
            parameters: 1,
            parametersFailed: 0,
            cpuSeconds: 0.1,
            wallSeconds: 0.1,
          }),
        ).toString('base64'),
      },
    },
  }) as CloudEvent<unknown>;

test('collect: one run read per cache window, every shard recorded once, one aggregate request when all are in', async () => {
  const f = reconcileFixture();
  let clock = NOW.getTime();
  f.deps.now = () => new Date(clock);
  let reads = 0;
  const getRun = f.runs.getRun.bind(f.runs);
  f.runs.getRun = async (runId: string) => {
    reads++;
    return getRun(runId);
  };
  const run = await f.runningRun('collect-cache', 10);
  const collect = createCollectHandler(f.deps);
  const outcomes: string[] = [];
  for (let shard = 0; shard < 10; shard++) outcomes.push(await collect(completion(run.runId, shard)));
  outcomes.push(await collect(completion(run.runId, 3)));
  assert.deepEqual(outcomes, [...Array(9).fill('recorded'), 'complete', 'complete']);
  assert.equal(reads, 1);
  assert.deepEqual(
    f.published.map((p) => p.role),
    ['aggregate', 'aggregate'],
  );

  // The run finishes; past the cache window a late completion is ignored without a write.
  await f.runs.update(run.runId, { status: 'SUCCEEDED' });
  clock += RUN_CACHE_MILLISECONDS + 1;
  assert.equal(await collect(completion(run.runId, 4)), 'ignored');
  assert.equal(reads, 2);
});
