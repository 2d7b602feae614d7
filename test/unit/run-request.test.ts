/**
 * Every path rejects the same way: a run request whose manifest breaks a limit
 * (too deep, a key given twice, a number that overflows), or whose manifestUri
 * points outside the manifests bucket, becomes a REJECTED run with its reason
 * and a run-finished event, as the same manifest uploaded would; and no reason
 * quotes the content of an object that could not be parsed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { NO_FAULTS } from '../../shared/faults.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';
import type { TopicRole } from '../../shared/messages.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import type { Fleet } from '../../jobs/fleet/fleet.ts';
import { UndecodableMessageError } from '../../functions/pipeline/decode.ts';
import type { Dependencies } from '../../functions/pipeline/deps.ts';
import { createRunRequestHandler } from '../../functions/run-request/handler.ts';
import { MemoryRunStore } from '../support/memory-run-store.ts';

const manifest = {
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'requested',
  kernel: { name: 'black-scholes' },
  parameters: { inline: [{ type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 }] },
};
const manifestText = JSON.stringify(manifest);

function setup() {
  const runs = new MemoryRunStore();
  const published: TopicRole[] = [];
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-request-')));
  const deps: Dependencies = {
    runs,
    store,
    bus: { publish: async (role: TopicRole) => String(published.push(role)) },
    fleet: {} as Fleet,
    fleetConfig: loadFleetConfig(TEST_FLEET_CONFIG),
    config: {
      projectId: 'demo-request',
      buckets: { manifests: 'altus-manifests', results: 'altus-results' },
      manifestUriPrefixes: ['gs://shared-desk/manifests/'],
    },
    log: createLogger({ component: 'test', minimumSeverity: 'ERROR' }),
    now: () => new Date('2026-03-01T10:00:00Z'),
    faults: NO_FAULTS,
  };
  return { runs, published, store, handle: createRunRequestHandler(deps) };
}

const event = (text: string) => ({ data: { message: { data: Buffer.from(text).toString('base64') } } }) as unknown as CloudEvent<unknown>;

async function rejected(text: string, runId: string, setupDone = setup()) {
  const { runs, published, handle } = setupDone;
  assert.equal(await handle(event(text)), 'rejected');
  const run = (await runs.getRun(runId))!;
  assert.equal(run.status, 'REJECTED');
  assert.equal(run.runFinishedPublished, true, 'the requester hears run-finished');
  assert.deepEqual(published, ['runFinished'], 'nothing dispatched');
  return run.error!;
}

test('a manifest nested 100,000 deep in a run request is REJECTED with its reason, not a stack overflow retried and parked', async () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const error = await rejected(`{"requestId":"req-deep","manifest":{"name":"d","parameters":${deep}}}`, 'req-deep');
  assert.equal(error.code, 'MANIFEST_INVALID');
  assert.match(error.message, /manifest\.parameters(\.0)*: nests deeper than 33 levels \(line 1, column \d+\)/);
});

test('the requestId may come after the manifest: the limit is still checked first and the run still rejected', async () => {
  const deep = '{"a":'.repeat(50) + '1' + '}'.repeat(50);
  const error = await rejected(`{"manifest":${deep},"requestId":"req-deep-last"}`, 'req-deep-last');
  assert.match(error.message, /nests deeper/);
});

test("a key given twice in a run request's manifest is MANIFEST_INVALID naming the key and where", async () => {
  const text = `{"requestId":"req-dup","manifest":${manifestText.replace('"kernel":{"name":"black-scholes"}', '"kernel":{"name":"black-scholes","name":"european-option-mc"}')}}`;
  const error = await rejected(text, 'req-dup');
  assert.equal(error.code, 'MANIFEST_INVALID');
  assert.match(error.message, /^manifest\.kernel: the key "name" appears twice; give each key once \(line 1, column \d+\)$/);
});

test('a key given twice in the request itself: a second manifest is refused; a second requestId leaves no run to name, so the message is parked', async () => {
  const error = await rejected(`{"requestId":"req-two-manifests","manifest":${manifestText},"manifest":${manifestText}}`, 'req-two-manifests');
  assert.match(error.message, /the top level: the key "manifest" appears twice/);
  const { handle, runs } = setup();
  await assert.rejects(
    handle(event(`{"requestId":"req-a","requestId":"req-b","manifest":${manifestText}}`)),
    (e: unknown) => e instanceof UndecodableMessageError && /"requestId" appears twice/.test(e.message),
  );
  assert.equal(await runs.getRun('req-a'), null);
  assert.equal(await runs.getRun('req-b'), null);
});

test('1e400 in a manifest says what happened: not finite (overflows a double)', async () => {
  const error = await rejected(`{"requestId":"req-overflow","manifest":${manifestText.replace('"spot":42', '"spot":1e400')}}`, 'req-overflow');
  assert.match(error.message, /^manifest\.parameters\.inline\.0\.spot: not finite \(overflows a double\) \(line 1, column \d+\)$/);
});

test('a manifestUri outside the manifests bucket (and the configured prefixes) is REJECTED with the reason; the object is never read', async () => {
  const context = setup();
  await context.store.write('gs://altus-results/other-run/plan.json', '{"secret": "SECRET-CONTENT"}');
  const error = await rejected(`{"requestId":"req-elsewhere","manifestUri":"gs://altus-results/other-run/plan.json"}`, 'req-elsewhere', context);
  assert.equal(error.code, 'MANIFEST_INVALID');
  assert.match(
    error.message,
    /manifestUri: gs:\/\/altus-results\/other-run\/plan\.json is outside the manifests bucket; a run request may name a manifest under gs:\/\/altus-manifests\/, gs:\/\/shared-desk\/manifests\//,
  );
  assert.doesNotMatch(error.message, /SECRET/);
});

test('a manifestUri under a configured prefix is read like one in the manifests bucket', async () => {
  const { handle, store } = setup();
  await store.write('gs://shared-desk/manifests/run.json', '{"not": "a manifest"}');
  assert.equal(await handle(event(`{"requestId":"req-prefix","manifestUri":"gs://shared-desk/manifests/run.json"}`)), 'rejected');
});

test('an object that is not JSON is REJECTED without quoting a byte of it', async () => {
  const context = setup();
  await context.store.write('gs://altus-manifests/notes.json', 'SECRET-CONTENT: the desk password is hunter2');
  const error = await rejected(`{"requestId":"req-not-json","manifestUri":"gs://altus-manifests/notes.json"}`, 'req-not-json', context);
  assert.equal(error.code, 'MANIFEST_NOT_JSON');
  assert.equal(error.message, 'the manifest is not valid JSON: unexpected character (line 1, column 1)');
});

test('a request that is not JSON is parked with a reason that quotes none of it', async () => {
  const { handle } = setup();
  await assert.rejects(handle(event('SECRET-CONTENT here')), (e: unknown) => e instanceof UndecodableMessageError && !/SECRET/.test(e.message));
});

test('a valid request still starts its run', async () => {
  const { handle, runs } = setup();
  // Placement needs a fleet: a started run publishes dispatch messages; here it is enough that it is not rejected.
  const outcome = await handle(event(`{"requestId":"req-ok","manifest":${manifestText}}`)).catch((e: Error) => e);
  assert.notEqual(outcome, 'rejected');
  assert.notEqual((await runs.getRun('req-ok'))?.status, 'REJECTED');
});
