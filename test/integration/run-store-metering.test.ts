/**
 * The bench's Firestore write count is of committed writes: a guarded transition
 * that contends with others is retried by the client (its body runs again), and
 * must still count once. On the real emulator, which aborts contending
 * transactions as Firestore does. And `watchRun`, the listener the bench waits on
 * instead of polling the run document.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFirestore } from '../../shared/clients.ts';
import type { RunDocument } from '../../shared/documents.ts';
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

/** A one-shard run document, RUNNING. */
function runningRun(runId: string): RunDocument {
  return {
    runId,
    name: runId,
    status: 'RUNNING',
    origin: { kind: 'request', requestId: runId },
    manifestHash: 'h',
    attempt: 0,
    createdAt: new Date().toISOString(),
    counts: { parameters: 1, shards: 1, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
  };
}

test('run store metering: 12 contending transitions on one run count 12 writes, however often the client retried them', async () => {
  const runs = new FirestoreRunStore(createFirestore(testStack()), meter);
  const runId = `store-meter-${Date.now()}`;
  await runs.createRun(runningRun(runId));
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => runs.transition(runId, ['RUNNING'], { cpuSeconds: i })));
  assert.equal(results.filter(Boolean).length, 12);
  assert.equal(countedWrites(), 1 + 12, 'the create and each committed transition, once');
});

test('watchRun: the listener sees the run as it is, then each change, and nothing once stopped', async () => {
  const runs = new FirestoreRunStore(createFirestore(testStack()));
  const runId = `store-watch-${Date.now()}`;
  const seen: Array<string | null> = [];
  const errors: Error[] = [];
  let notify: () => void = () => {};
  const stop = runs.watchRun(
    runId,
    (run) => {
      seen.push(run?.status ?? null);
      notify();
    },
    (error) => errors.push(error),
  );
  const next = (count: number) =>
    new Promise<void>((resolve) => {
      notify = () => seen.length >= count && resolve();
      notify();
    });
  await next(1);
  await runs.createRun(runningRun(runId));
  await next(2);
  await runs.update(runId, { status: 'SUCCEEDED' });
  await next(3);
  stop();
  await runs.update(runId, { status: 'FAILED' });
  assert.equal((await runs.getRun(runId))?.status, 'FAILED');
  // Proves an absence: a listener still attached hears a change within a few ms on the local emulator.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(errors, []);
  assert.deepEqual(seen, [null, 'RUNNING', 'SUCCEEDED'], 'absent, created, finished; the change after stop() is not heard');
});
