/**
 * At-least-once delivery: the same upload event twice is one run, a new
 * generation is a new run; a run request's id is its run id, and the same id with
 * another manifest is parked as a conflict without touching the existing run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { objectUri } from '../../shared/storage/object-store.ts';
import { runIdForUpload } from '../../shared/ids.ts';
import { deliverFinalized } from '../../scripts/stack/eventarc.ts';
import { baseManifest, deadLetterTap, pullUntil, stackClients, testStack, waitForRun } from '../support/stack.ts';

describe('idempotent run creation', () => {
  test('the same finalize event twice is one run; a new generation is a second run', async () => {
    const stack = testStack();
    const { runs } = stackClients(stack);
    const store = new LocalObjectStore(stack.storageDir);
    const uri = objectUri(stack.buckets.manifests, `dup/${Date.now()}.json`);
    const first = await store.write(uri, JSON.stringify(baseManifest({ name: 'dup-a' })));
    await Promise.all([deliverFinalized(stack.ingestUrl, first.info), deliverFinalized(stack.ingestUrl, first.info)]);
    const runId = runIdForUpload(first.info.bucket, first.info.name, first.info.generation);
    const run = await waitForRun(runs, runId);
    assert.equal(run.status, 'SUCCEEDED');
    await deliverFinalized(stack.ingestUrl, first.info);
    assert.equal((await runs.getRun(runId))!.finishedAt, run.finishedAt, 'a late duplicate changes nothing');

    const second = await store.write(uri, JSON.stringify(baseManifest({ name: 'dup-b' })));
    assert.notEqual(second.info.generation, first.info.generation);
    await deliverFinalized(stack.ingestUrl, second.info);
    const secondId = runIdForUpload(second.info.bucket, second.info.name, second.info.generation);
    assert.notEqual(secondId, runId);
    const again = await waitForRun(runs, secondId);
    assert.equal(again.name, 'dup-b');
    assert.equal(again.status, 'SUCCEEDED');
  });

  test('a run request is idempotent by requestId; a conflicting manifest is parked', async () => {
    const stack = testStack();
    const { runs, pubsub } = stackClients(stack);
    const requestId = `req-${Date.now()}`;
    const topic = pubsub.topic(stack.topics.runRequests);
    const manifest = baseManifest({ name: 'by-request' });
    await topic.publishMessage({ json: { requestId, manifest } });
    await topic.publishMessage({ json: { requestId, manifest } });
    const run = await waitForRun(runs, requestId);
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(run.name, 'by-request');

    const records = await deadLetterTap(stack);
    await topic.publishMessage({ json: { requestId, manifest: baseManifest({ name: 'other' }) } });
    const parked = await pullUntil(records, (m) => m.reason === 'REQUEST_CONFLICT' && String(m.detail).includes(requestId));
    assert.match(String(parked.detail), /different manifest/);
    const untouched = await runs.getRun(requestId);
    assert.equal(untouched!.name, 'by-request');
    assert.equal(untouched!.finishedAt, run.finishedAt);
  });

  test('a request id that is not a valid run id is parked with its reason', async () => {
    const stack = testStack();
    const { pubsub } = stackClients(stack);
    const tap = await deadLetterTap(stack);
    await pubsub.topic(stack.topics.runRequests).publishMessage({ json: { requestId: 'Not Valid!', manifest: baseManifest() } });
    const parked = await pullUntil(tap, (m) => m.reason === 'UNDECODABLE' && String(m.detail).includes('requestId'));
    assert.match(String(parked.detail), /lowercase letters/);
  });
});
