/**
 * Re-dispatched shard lists: encoded as ranges in ALTUS_SHARD_LIST, decoded by the
 * worker index by index, split over several Jobs when even ranges would not fit a
 * pod's environment, and read back from the Job by reconcile.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { splitShardList } from '../../../jobs/fleet/indexes.ts';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { jobShards } from '../../../jobs/fleet/job-status.ts';
import { parseWorkerEnvironment, WORKER_ENV } from '../../../jobs/worker/environment.ts';
import { formatShardList, MAX_SHARD_LIST_BYTES, parseIndexSet, parseShardList, ShardListError } from '../../../shared/shard-list.ts';
import { redispatchShards } from '../../../functions/pipeline/redispatch.ts';
import type { DispatchMessage } from '../../../shared/messages.ts';
import { reconcileFixture } from '../../support/reconcile-fixture.ts';
import { clusterNamed, jobRequest, threeClusters } from '../../support/fleet-fixtures.ts';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const formats: Array<[string, number[], string]> = [
  ['ranges and singles', [...range(0, 99), 105, ...range(200, 299)], '0-99,105,200-299'],
  ['one shard', [7], '7'],
  ['a pair is a range', [7, 8], '7-8'],
  ['scattered shards stay a plain comma list', [5, 9, 12, 40], '5,9,12,40'],
  ['order is kept, not sorted', [5, 6, 7, 2, 3], '5-7,2-3'],
];
for (const [label, shards, text] of formats) {
  test(`shard list: ${label}: ${text}`, () => {
    assert.equal(formatShardList(shards), text);
    const parsed = parseShardList(text);
    assert.equal(parsed.length, shards.length);
    assert.deepEqual(parsed.toArray(), shards);
    shards.forEach((shard, index) => {
      assert.equal(parsed.at(index), shard, `index ${index}`);
    });
    assert.equal(parsed.at(shards.length), undefined);
    assert.equal(parsed.at(-1), undefined);
  });
}

const malformed: Array<[string, RegExp]> = [
  ['', /empty/],
  ['1,,2', /"" is neither a shard number nor a range/],
  ['3-1', /range 3-1 is descending/],
  ['1-2-3', /"1-2-3" is neither/],
  ['a,b', /"a" is neither/],
  ['99999999999999999999', /too large/],
];
for (const [text, message] of malformed) {
  test(`shard list: "${text}" is refused`, () => {
    assert.throws(
      () => parseShardList(text),
      (e: Error) => e instanceof ShardListError && message.test(e.message),
    );
  });
}

const indexSets: Array<[string | undefined, number[] | RegExp]> = [
  [undefined, []],
  ['', []],
  ['1,3-5,7', [1, 3, 4, 5, 7]],
  ['0-2,3', [0, 1, 2, 3]],
  ['5-7,2-3', /"2-3" does not come after 7: an index set is ascending, each index once/],
  ['1-3,3', /"3" does not come after 3/],
  ['1,x', /"x" is neither/],
];
for (const [text, expected] of indexSets) {
  test(`index set ${JSON.stringify(text)}: ${expected instanceof RegExp ? 'refused' : JSON.stringify(expected)}`, () => {
    if (expected instanceof RegExp)
      assert.throws(
        () => parseIndexSet(text),
        (e: Error) => e instanceof ShardListError && expected.test(e.message),
      );
    else assert.deepEqual(parseIndexSet(text).toArray(), expected);
  });
}

const podEnv = {
  JOB_COMPLETION_INDEX: '0',
  ALTUS_RUN_ID: 'run-1',
  ALTUS_PLAN_URI: 'gs://b/runs/run-1/plan.json',
  ALTUS_COMPLETIONS_TOPIC: 'projects/p/topics/t',
  ALTUS_PROJECT_ID: 'p',
};
const workerCases: Array<[string, string, number]> = [
  ['0-99,105,200-299', '0', 0],
  ['0-99,105,200-299', '99', 99],
  ['0-99,105,200-299', '100', 105],
  ['0-99,105,200-299', '101', 200],
  ['0-99,105,200-299', '200', 299],
  ['5,9,12,40', '3', 40],
];
for (const [list, index, shard] of workerCases) {
  test(`worker: ${WORKER_ENV.shardList}=${list}, index ${index} computes shard ${shard}`, () => {
    assert.equal(parseWorkerEnvironment({ ...podEnv, JOB_COMPLETION_INDEX: index, [WORKER_ENV.shardList]: list }).shard, shard);
  });
}

test('worker: an index past the list and a malformed list are environment errors naming the variable', () => {
  assert.throws(
    () => parseWorkerEnvironment({ ...podEnv, JOB_COMPLETION_INDEX: '201', ALTUS_SHARD_LIST: '0-99,105,200-299' }),
    /JOB_COMPLETION_INDEX=201 is outside ALTUS_SHARD_LIST \(201 shards\)/,
  );
  assert.throws(
    () => parseWorkerEnvironment({ ...podEnv, ALTUS_SHARD_LIST: '9-3' }),
    /ALTUS_SHARD_LIST must be shard numbers and ranges a-b, comma-separated: range 9-3 is descending/,
  );
});

/** Every other shard of 0..99,999: nothing for ranges to compress. */
const scattered = Array.from({ length: 50_000 }, (_, i) => 2 * i + 1);

test('50,000 scattered shards are split into Jobs whose list each fits 64 KiB, in order, covering every shard once', () => {
  const whole = formatShardList(scattered);
  assert.ok(whole.length > 128 * 1024, `the whole list is ${whole.length} bytes: over Linux's per-string limit`);
  const parts = splitShardList(scattered);
  assert.ok(parts.length > 1);
  assert.deepEqual(parts.flat(), scattered);
  for (const part of parts) assert.ok(formatShardList(part).length <= MAX_SHARD_LIST_BYTES);
  // Each part but the last is as full as a range boundary allows.
  for (const part of parts.slice(0, -1)) assert.ok(formatShardList(part).length > MAX_SHARD_LIST_BYTES - 16);
});

test('a list that fits stays one Job; ranges keep a contiguous re-dispatch tiny', () => {
  const lostCluster = range(40_000, 89_999);
  assert.deepEqual(splitShardList(lostCluster), [lostCluster]);
  assert.equal(formatShardList(lostCluster), '40000-89999');
  assert.deepEqual(splitShardList([]), []);
});

test('the builder names the list object in the bucket (not the list itself), the Job passes admission, and reconcile maps indexes onto the recorded shards', () => {
  const cluster = clusterNamed(threeClusters, 'worker-a');
  for (const part of splitShardList(scattered)) {
    const job = buildJob(jobRequest({ cluster, attempt: 3, shards: { list: part } }));
    const env = job.spec!.template.spec!.containers[0]!.env!;
    assert.equal(
      env.find((e) => e.name === WORKER_ENV.shardList),
      undefined,
    );
    assert.equal(
      env.find((e) => e.name === WORKER_ENV.shardListUri)?.value,
      `gs://altus-results/runs/book-mc-0123456789ab/shard-lists/${job.metadata!.name}.txt`,
    );
    assert.equal(job.spec!.completions, part.length);
    assert.deepEqual(fleetAdmission(threeClusters)(job), []);
    assert.deepEqual(jobShards(job, part), part);
  }
});

test('a Job dispatched before the move still carries ALTUS_SHARD_LIST, and reconcile and the worker still read it', () => {
  const cluster = clusterNamed(threeClusters, 'worker-a');
  const job = buildJob(jobRequest({ cluster, attempt: 1, shards: { list: [0, 1] } }));
  const env = job.spec!.template.spec!.containers[0]!.env!;
  env.splice(
    env.findIndex((e) => e.name === WORKER_ENV.shardListUri),
    1,
    { name: WORKER_ENV.shardList, value: '0-99,105,200-299' },
  );
  assert.deepEqual(jobShards(job), [...range(0, 99), 105, ...range(200, 299)]);
  assert.equal(parseWorkerEnvironment({ ...podEnv, JOB_COMPLETION_INDEX: '100', [WORKER_ENV.shardList]: '0-99,105,200-299' }).shard, 105);
});

test("the builder takes any list, however scattered: the pods' environment stays small", () => {
  const cluster = clusterNamed(threeClusters, 'worker-a');
  const job = buildJob(jobRequest({ cluster, attempt: 1, shards: { list: scattered } }));
  assert.ok(JSON.stringify(job.spec!.template.spec!.containers[0]!.env).length < 4096);
});

test('re-dispatching 50,000 scattered shards: one attempt per part and cluster, each message building a Job that fits', async () => {
  const f = reconcileFixture();
  const run = await f.runningRun('run-scattered', 100_000);
  const records = await redispatchShards(f.deps, run, { shards: [...scattered].reverse(), reason: 'lost' });
  assert.deepEqual(
    records.flatMap((r) => r.shards).sort((a, b) => a - b),
    scattered,
  );
  const messages = f.published.filter((p) => p.role === 'dispatch').map((p) => p.message as unknown as DispatchMessage);
  assert.equal(messages.length, records.length);
  const names = new Set<string>();
  for (const message of messages) {
    const cluster = clusterNamed(f.deps.fleetConfig, message.cluster);
    const job = buildJob({ ...jobRequest({ cluster }), fleet: f.deps.fleetConfig, runId: message.runId, attempt: message.attempt, shards: message.shards });
    names.add(job.metadata!.name!);
    assert.ok(job.spec!.template.spec!.containers[0]!.env!.find((e) => e.name === WORKER_ENV.shardListUri)!.value!.length < 200);
    assert.ok(formatShardList('list' in message.shards ? message.shards.list : []).length <= MAX_SHARD_LIST_BYTES);
  }
  assert.equal(names.size, messages.length, 'two parts would share a Job name');
  const stored = (await f.runs.getRun('run-scattered'))!.redispatches!;
  assert.deepEqual(
    stored.map((r) => [r.cluster, r.attempt]),
    records.map((r) => [r.cluster, r.attempt]),
  );
  assert.ok(Math.min(...records.map((r) => r.attempt)) === 1);
});
