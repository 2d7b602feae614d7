/**
 * The bench's Firestore write count is of committed writes: a guarded transition
 * that contends with others is retried by the client (its body runs again), and
 * must still count once. On the real emulator, which aborts contending
 * transactions as Firestore does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFirestore } from '../../shared/clients.ts';
import { createFileMeter, type MeterRecord } from '../../shared/metering.ts';
import { FirestoreRunStore } from '../../shared/run-store.ts';
import { testStack } from '../support/stack.ts';

const meterDir = mkdtempSync(join(tmpdir(), 'altus-meter-'));
const meter = createFileMeter({ dir: meterDir, role: 'store-test' });

function countedWrites(): number {
  meter.flush();
  return readdirSync(meterDir)
    .filter((f) => f.startsWith('store-test-') && f.endsWith('.json'))
    .reduce((n, f) => n + ((JSON.parse(readFileSync(join(meterDir, f), 'utf8')) as MeterRecord).counts.firestoreWrites ?? 0), 0);
}

test('run store metering: 12 contending transitions on one run count 12 writes, however often the client retried them', async () => {
  const runs = new FirestoreRunStore(createFirestore(testStack()), meter);
  const runId = `store-meter-${Date.now()}`;
  await runs.createRun({
    runId,
    name: runId,
    status: 'RUNNING',
    origin: { kind: 'request', requestId: runId },
    manifestHash: 'h',
    attempt: 0,
    createdAt: new Date().toISOString(),
    counts: { parameters: 1, shards: 1, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
  });
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => runs.transition(runId, ['RUNNING'], { cpuSeconds: i })));
  assert.equal(results.filter(Boolean).length, 12);
  assert.equal(countedWrites(), 1 + 12, 'the create and each committed transition, once');
});
