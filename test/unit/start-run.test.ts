/**
 * Starting a run under at-least-once delivery: a second delivery of the same
 * start is a duplicate whatever it finds, and never writes over a run that
 * another delivery started or finished while this one was planning.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import type { RunDocument } from '../../shared/documents.ts';
import { NO_FAULTS } from '../../shared/faults.ts';
import { digest } from '../../shared/ids.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';
import type { TopicRole } from '../../shared/messages.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import type { Fleet } from '../../jobs/fleet/fleet.ts';
import type { Dependencies } from '../../functions/pipeline/deps.ts';
import { startRun } from '../../functions/pipeline/start-run.ts';
import { MemoryRunStore } from '../support/memory-run-store.ts';

const manifest = {
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'start-twice',
  kernel: { name: 'black-scholes' },
  parameters: { inline: [{ type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 }] },
};

function dependencies(runs: MemoryRunStore): { deps: Dependencies; published: TopicRole[] } {
  const published: TopicRole[] = [];
  const deps: Dependencies = {
    runs,
    store: new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-start-'))),
    bus: { publish: async (role: TopicRole) => String(published.push(role)) },
    fleet: {} as Fleet,
    fleetConfig: loadFleetConfig(TEST_FLEET_CONFIG),
    config: { projectId: 'demo-start', buckets: { manifests: 'altus-manifests', results: 'altus-results' } } as Dependencies['config'],
    log: createLogger({ component: 'test', minimumSeverity: 'ERROR' }),
    now: () => new Date('2026-03-01T10:00:00Z'),
    faults: NO_FAULTS,
  };
  return { deps, published };
}

const start = (deps: Dependencies, runId: string) =>
  startRun(deps, { runId, origin: { kind: 'request', requestId: runId }, manifest: { value: manifest }, manifestObject: null, fallbackName: runId });

test('start-run: the first delivery starts the run; a later one is a duplicate and publishes nothing', async () => {
  const runs = new MemoryRunStore();
  const { deps, published } = dependencies(runs);
  assert.equal(await start(deps, 'req-once'), 'started');
  assert.deepEqual(published, ['dispatch']);
  assert.equal((await runs.getRun('req-once'))!.status, 'RUNNING');
  assert.equal(await start(deps, 'req-once'), 'duplicate');
  assert.deepEqual(published, ['dispatch']);
});

test('start-run: a delivery that saw the run ACCEPTED while another finished it leaves the finished run untouched', async () => {
  /** The other delivery runs the whole run to SUCCEEDED right after this one read it as ACCEPTED. */
  class RacingStore extends MemoryRunStore {
    override async createRun(doc: RunDocument) {
      const outcome = await super.createRun(doc);
      if (outcome.outcome === 'exists') {
        await super.update(doc.runId, {
          status: 'SUCCEEDED',
          counts: { parameters: 1, shards: 1, shardsSucceeded: 1, shardsFailed: 0, parametersFailed: 0 },
          finishedAt: '2026-03-01T10:00:05Z',
        });
      }
      return outcome;
    }
  }
  const runs = new RacingStore();
  await runs.createRun({
    runId: 'req-race',
    name: 'req-race',
    status: 'ACCEPTED',
    origin: { kind: 'request', requestId: 'req-race' },
    manifestHash: digest(JSON.stringify(manifest)),
    counts: { parameters: 0, shards: 0, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: '2026-03-01T10:00:00Z',
  });
  const { deps, published } = dependencies(runs);
  assert.equal(await start(deps, 'req-race'), 'duplicate');
  const run = (await runs.getRun('req-race'))!;
  assert.equal(run.status, 'SUCCEEDED');
  assert.deepEqual(run.counts, { parameters: 1, shards: 1, shardsSucceeded: 1, shardsFailed: 0, parametersFailed: 0 });
  assert.equal(run.finishedAt, '2026-03-01T10:00:05Z');
  assert.deepEqual(published, [], 'no second dispatch for a finished run');
});

test('start-run: an inline manifest (a run request) gets the structural limits of an upload: a __proto__ key is REJECTED', async () => {
  const runs = new MemoryRunStore();
  const { deps, published } = dependencies(runs);
  const poisoned = JSON.parse(
    '{"apiVersion":"altus/v1","kind":"Run","name":"proto","kernel":{"name":"black-scholes"},"parameters":{"inline":[{"__proto__":{"polluted":true},"type":"call","spot":42,"strike":40,"rate":0.1,"volatility":0.2,"maturity":0.5}]}}',
  ) as unknown;
  const outcome = await startRun(deps, {
    runId: 'req-proto',
    origin: { kind: 'request', requestId: 'req-proto' },
    manifest: { value: poisoned },
    manifestObject: null,
    fallbackName: 'req-proto',
  });
  assert.equal(outcome, 'rejected');
  const run = (await runs.getRun('req-proto'))!;
  assert.equal(run.status, 'REJECTED');
  assert.equal(run.error?.code, 'MANIFEST_INVALID');
  assert.match(run.error!.message, /parameters\.inline\.0\.__proto__: the key "__proto__" is not allowed/);
  assert.equal(run.runFinishedPublished, true);
  assert.deepEqual(published, ['runFinished']);
});

test('start-run: a redelivery of a rejection whose run-finished event was never published publishes it, once', async () => {
  const runs = new MemoryRunStore();
  const { deps, published } = dependencies(runs);
  const bad = { ...manifest, kernel: { name: 'no-such-kernel' } };
  await runs.createRun({
    runId: 'req-owed',
    name: 'req-owed',
    status: 'REJECTED',
    origin: { kind: 'request', requestId: 'req-owed' },
    manifestHash: digest(JSON.stringify(bad)),
    counts: { parameters: 0, shards: 0, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: '2026-03-01T10:00:00Z',
    finishedAt: '2026-03-01T10:00:01Z',
    error: { code: 'UNKNOWN_KERNEL', message: 'x' },
    runFinishedPublished: false,
  });
  const again = () =>
    startRun(deps, {
      runId: 'req-owed',
      origin: { kind: 'request', requestId: 'req-owed' },
      manifest: { value: bad },
      manifestObject: null,
      fallbackName: 'req-owed',
    });
  assert.equal(await again(), 'duplicate');
  assert.equal(await again(), 'duplicate');
  assert.deepEqual(published, ['runFinished']);
});
