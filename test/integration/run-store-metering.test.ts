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

const meterDir = mkdtempSync(join(tmpdir(), 'altus-meter-'));
process.env.ALTUS_METER_DIR = meterDir;
process.env.ALTUS_METER_ROLE = 'store-test';
// Imported after the environment is set (no static import of project code): metering reads it once, at load.
const { FirestoreRunStore } = await import('../../shared/run-store.ts');
const { createFirestore } = await import('../../shared/clients.ts');
const { testStack } = await import('../support/stack.ts');

function countedWrites(): number {
  return readdirSync(meterDir)
    .filter((f) => f.startsWith('store-test-') && f.endsWith('.json'))
    .reduce((n, f) => n + ((JSON.parse(readFileSync(join(meterDir, f), 'utf8')) as { counts: { firestoreWrites?: number } }).counts.firestoreWrites ?? 0), 0);
}

test('run store metering: 12 contending transitions on one run count 12 writes, however often the client retried them', async () => {
  const runs = new FirestoreRunStore(createFirestore(testStack()));
  const runId = `store-meter-${Date.now()}`;
  await runs.createRun({
    runId, name: runId, status: 'RUNNING', origin: { kind: 'request', requestId: runId }, manifestHash: 'h', attempt: 0, createdAt: new Date().toISOString(),
    counts: { parameters: 1, shards: 1, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
  });
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => runs.transition(runId, ['RUNNING'], { cpuSeconds: i })));
  assert.equal(results.filter(Boolean).length, 12);
  await new Promise((r) => setTimeout(r, 500)); // the meter writes its file every 200 ms
  assert.equal(countedWrites(), 1 + 12, 'the create and each committed transition, once');
});
