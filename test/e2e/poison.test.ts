/**
 * Poison messages: never a crash, a retry storm or a silent drop. Undecodable
 * messages are parked at once with their reason; a message that keeps failing is
 * redelivered a bounded number of times, then parked by the subscription's
 * dead-letter policy, with the failure recorded on its run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { localTopology, pushSubscriptionOf } from '../../shared/topology.ts';
import { baseManifest, deadLetterTap, pullUntil, runManifest, stackClients, testStack, writeManifest } from '../support/stack.ts';

describe('poison messages', () => {
  for (const [topic, source] of [
    ['completions', 'collect'],
    ['dispatch', 'dispatch'],
    ['aggregate', 'aggregate'],
  ] as const) {
    test(`garbage on ${topic} is parked by ${source} with its reason`, async () => {
      const stack = testStack();
      const tap = await deadLetterTap(stack);
      await stackClients(stack)
        .pubsub.topic(stack.topics[topic])
        .publishMessage({ data: Buffer.from('{"not": "a message"') });
      const parked = await pullUntil(tap, (m) => m.source === source);
      assert.equal(parked.reason, 'UNDECODABLE');
      assert.match(String(parked.detail), /not JSON/);
      assert.equal(Buffer.from(String((parked as { data?: string }).data), 'base64').toString(), '{"not": "a message"');
    });
  }

  test('a message that keeps failing is redelivered, then parked by the dead-letter policy, its run marked with the reason', { timeout: 120_000 }, async () => {
    const stack = testStack();
    const { runs, pubsub } = stackClients(stack);
    const runId = `poison-${Date.now()}`;
    await runs.createRun({
      runId,
      name: 'poison',
      status: 'RUNNING',
      origin: { kind: 'request', requestId: runId },
      manifestHash: 'x',
      counts: { parameters: 1, shards: 1, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
      attempt: 0,
      createdAt: new Date().toISOString(),
      planUri: `gs://${stack.buckets.results}/runs/${runId}/missing-plan.json`,
    });
    const tap = await deadLetterTap(stack);
    await pubsub.topic(stack.topics.dispatch).publishMessage({ json: { v: 1, runId, cluster: 'worker-a', attempt: 0, shards: { offset: 0, count: 1 } } });
    const parked = await pullUntil(
      tap,
      (m) => m.attributes?.CloudPubSubDeadLetterSourceSubscription === 'altus-dispatch-push' && String(m.raw).includes(runId),
      90_000,
    );
    assert.equal(parked.attributes?.CloudPubSubDeadLetterSourceDeliveryCount, String(pushSubscriptionOf('dispatch', localTopology()).maxDeliveryAttempts));
    const run = await runs.getRun(runId);
    assert.equal(run?.lastError?.source, 'dispatch');
    assert.match(run!.lastError!.message, /missing-plan\.json does not exist/);
  });

  test('the stack keeps serving after poison', async () => {
    const run = await runManifest(testStack(), writeManifest('after-poison.json', baseManifest()));
    assert.equal(run.status, 'SUCCEEDED');
  });
});
