/**
 * The poison guard around every Pub/Sub-driven handler: undecodable messages are
 * parked with their reason, failures are recorded on the run and rethrown, and a
 * handler that does not answer within its timeout fails the delivery (so it is
 * redelivered) instead of holding the push connection for ever.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { parseRuntimeConfig } from '../../shared/config.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { NO_FAULTS } from '../../shared/faults.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';
import type { TopicRole } from '../../shared/messages.ts';
import type { Fleet } from '../../jobs/fleet/fleet.ts';
import type { Dependencies } from '../../functions/pipeline/deps.ts';
import { UndecodableMessageError } from '../../functions/pipeline/decode.ts';
import { guardPubSub, guardStorageEvent, HandlerTimeoutError } from '../../functions/pipeline/poison-guard.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { MemoryRunStore } from '../support/memory-run-store.ts';

const event = (json: unknown): CloudEvent<unknown> =>
  ({
    specversion: '1.0',
    id: 'x',
    source: 'test',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message: { data: Buffer.from(JSON.stringify(json)).toString('base64'), publishTime: new Date().toISOString() } },
  }) as CloudEvent<unknown>;

function dependencies(handlerTimeoutMilliseconds?: number) {
  const runs = new MemoryRunStore();
  const parked: Array<{ role: TopicRole; message: unknown }> = [];
  const deps: Dependencies = {
    runs,
    store: {} as ObjectStore,
    bus: { publish: async (role: TopicRole, message: unknown) => String(parked.push({ role, message })) },
    fleet: {} as Fleet,
    fleetConfig: loadFleetConfig(TEST_FLEET_CONFIG),
    config: {
      projectId: 'demo-guard',
      buckets: { manifests: 'm', results: 'r' },
      ...(handlerTimeoutMilliseconds !== undefined ? { handlerTimeoutMilliseconds } : {}),
    },
    log: createLogger({ component: 'test', minimumSeverity: 'ERROR' }),
    now: () => new Date(),
    faults: NO_FAULTS,
  };
  return { deps, runs, parked };
}

test('guard: ALTUS_HANDLER_TIMEOUT_SECONDS is parsed into milliseconds, and absent by default', () => {
  assert.equal(parseRuntimeConfig({ ALTUS_PROJECT_ID: 'p', ALTUS_HANDLER_TIMEOUT_SECONDS: '25' }).handlerTimeoutMilliseconds, 25_000);
  assert.equal(parseRuntimeConfig({ ALTUS_PROJECT_ID: 'p' }).handlerTimeoutMilliseconds, undefined);
  assert.throws(() => parseRuntimeConfig({ ALTUS_PROJECT_ID: 'p', ALTUS_HANDLER_TIMEOUT_SECONDS: '0' }), /ALTUS_HANDLER_TIMEOUT_SECONDS/);
});

test('guard: a handler that does not answer in time fails the delivery, with the reason on the run', async () => {
  const { deps, runs } = dependencies(50);
  await runs.createRun({
    runId: 'slow-run',
    name: 'slow',
    status: 'RUNNING',
    origin: { kind: 'request', requestId: 'slow-run' },
    manifestHash: 'h',
    counts: { parameters: 1, shards: 1, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: new Date().toISOString(),
  });
  const guarded = guardPubSub(deps, 'collect', () => new Promise(() => undefined));
  const started = Date.now();
  await assert.rejects(guarded(event({ runId: 'slow-run' })), HandlerTimeoutError);
  assert.ok(Date.now() - started < 5_000);
  assert.match((await runs.getRun('slow-run'))!.lastError!.message, /did not finish within 0.05 s/);
});

test('guard: without a timeout a slow handler is awaited; an undecodable message is parked, not rethrown', async () => {
  const { deps, parked } = dependencies();
  const guarded = guardPubSub(deps, 'dispatch', () => new Promise((resolve) => setTimeout(resolve, 100)));
  await guarded(event({ runId: 'x' }));
  const poison = guardPubSub(deps, 'dispatch', async () => {
    throw new UndecodableMessageError('message data is not JSON');
  });
  await poison(event({}));
  assert.equal(parked.length, 1);
  assert.equal(parked[0]!.role, 'deadLetter');
  assert.equal((parked[0]!.message as { reason: string }).reason, 'UNDECODABLE');
});

test('storage guard (ingest): an event older than the age limit is parked as it came; a failure is recorded on its run and rethrown', async () => {
  const { deps, runs, parked } = dependencies();
  const storageEvent = (time: string) =>
    ({
      specversion: '1.0',
      id: 'e',
      source: '//storage',
      type: 'google.cloud.storage.object.v1.finalized',
      subject: 'objects/m.json',
      time,
      data: { bucket: 'b', name: 'm.json', generation: '1' },
    }) as CloudEvent<{ bucket: string; name: string; generation: string }>;
  let calls = 0;
  const guarded = guardStorageEvent(
    deps,
    'ingest',
    () => 'upload-run',
    async () => {
      calls++;
      throw new Error('Firestore unavailable');
    },
  );
  await guarded(storageEvent(new Date(Date.now() - 7 * 3600_000).toISOString()));
  assert.equal(calls, 0);
  assert.equal((parked[0]!.message as { reason: string }).reason, 'EVENT_TOO_OLD');
  assert.deepEqual(JSON.parse(Buffer.from((parked[0]!.message as { data: string }).data, 'base64').toString()), {
    bucket: 'b',
    name: 'm.json',
    generation: '1',
  });

  await runs.createRun({
    runId: 'upload-run',
    name: 'm',
    status: 'ACCEPTED',
    origin: { kind: 'upload', bucket: 'b', object: 'm.json', generation: '1' },
    manifestHash: 'h',
    counts: { parameters: 0, shards: 0, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: new Date().toISOString(),
  });
  await assert.rejects(guarded(storageEvent(new Date().toISOString())), /Firestore unavailable/);
  assert.equal(calls, 1);
  assert.deepEqual((({ source, message }) => ({ source, message }))((await runs.getRun('upload-run'))!.lastError!), {
    source: 'ingest',
    message: 'Firestore unavailable',
  });
});
