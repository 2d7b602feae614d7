/** The local bucket store's GCS semantics, and the worker's environment contract. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { parseObjectUri } from '../../shared/storage/object-store.ts';
import { parseWorkerEnvironment } from '../../jobs/worker/environment.ts';
import { clockMovedOn } from '../support/wait-for.ts';

test('create-only writes keep the first object; overwrites change the generation', async () => {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-store-')));
  const uri = 'gs://results-x/runs/r/shards/000001.ndjson';
  const first = await store.write(uri, 'one', { ifAbsent: true });
  const second = await store.write(uri, 'two', { ifAbsent: true });
  assert.equal(first.created, true);
  assert.equal(second.created, false);
  assert.equal((await store.read(uri)).toString(), 'one');
  // The local store's generation is the file's mtime: the rewrite must come after the clock moved on.
  await clockMovedOn();
  const third = await store.write(uri, 'three');
  assert.notEqual(third.info.generation, first.info.generation);
  await store.write('gs://results-x/b', 'B');
  const composed = await store.compose([uri, 'gs://results-x/b'], 'gs://results-x/all');
  assert.equal(readFileSync(store.pathOf('gs://results-x/all'), 'utf8'), 'threeB');
  assert.equal(composed.size, 6);
  await assert.rejects(() => store.read(uri, { maxBytes: 2 }), /over the 2-byte cap/);
});

test('object names that could escape the folder are refused', () => {
  for (const uri of ['gs://bucket/../etc/passwd', 'gs://bucket/a/./b', 'gs://bucket//x', 'gs://bucket/a\u0000b', 'gs://bucket/a\nb', 'http://x/y']) {
    assert.throws(() => parseObjectUri(uri), Error, uri);
  }
});

const podEnv = {
  JOB_COMPLETION_INDEX: '3',
  ALTUS_RUN_ID: 'r1',
  ALTUS_PLAN_URI: 'gs://results/runs/r1/plan.json',
  ALTUS_COMPLETIONS_TOPIC: 'projects/p/topics/t',
  ALTUS_PROJECT_ID: 'p',
};

test('worker environment: offset and list mappings from JOB_COMPLETION_INDEX to the global shard', () => {
  assert.equal(parseWorkerEnvironment({ ...podEnv, ALTUS_SHARD_OFFSET: '100' }).shard, 103);
  assert.equal(parseWorkerEnvironment({ ...podEnv, ALTUS_SHARD_LIST: '5,9,12,40' }).shard, 40);
  assert.equal(parseWorkerEnvironment({ ...podEnv, ALTUS_SHARD_OFFSET: '0', ALTUS_INDEX_FAILURE_COUNT: '2' }).indexFailureCount, 2);
});

const broken: Array<[string, Record<string, string>, RegExp]> = [
  ['no index', { ...podEnv, JOB_COMPLETION_INDEX: '', ALTUS_SHARD_OFFSET: '0' }, /JOB_COMPLETION_INDEX/],
  ['both mappings', { ...podEnv, ALTUS_SHARD_OFFSET: '0', ALTUS_SHARD_LIST: '1' }, /exactly one of/],
  ['index outside the list', { ...podEnv, ALTUS_SHARD_LIST: '1,2' }, /outside ALTUS_SHARD_LIST/],
  ['local storage without a folder', { ...podEnv, ALTUS_SHARD_OFFSET: '0', ALTUS_STORAGE: 'local' }, /ALTUS_LOCAL_STORAGE_DIR/],
];
for (const [name, env, message] of broken) {
  test(`worker environment refused: ${name}`, () => {
    assert.throws(() => parseWorkerEnvironment(env), message);
  });
}
