/**
 * Who owns a shard: the placement's slices first (Job index = shard − offset),
 * then each re-dispatch's list (Job index = position), the last hand-over
 * winning; the Jobs that own shards now, missing shards grouped by owner, and
 * every slot a shard was given (where its logs are).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DispatchRecords } from '../../shared/shard-ownership.ts';
import { ShardOwnership } from '../../shared/shard-ownership.ts';
import { jobName } from '../../shared/ids.ts';

const job = (cluster: string, attempt: number) => jobName('r1', cluster, attempt);

/** Shards 0-2 on worker-a, 3-4 on worker-b; shards 2 and 4 re-dispatched to worker-a, then 4 again to worker-c. */
const RUN: DispatchRecords = {
  runId: 'r1',
  placement: [
    { cluster: 'worker-a', region: 'us-central1', offset: 0, count: 3, job: job('worker-a', 0) },
    { cluster: 'worker-b', region: 'europe-west1', offset: 3, count: 2, job: job('worker-b', 0) },
  ],
  redispatches: [
    { attempt: 1, cluster: 'worker-a', shards: [2, 4], reason: 'lost', at: '2026-03-02T10:00:00Z' },
    { attempt: 2, cluster: 'worker-c', shards: [4], reason: 'lost with worker-a', at: '2026-03-02T10:05:00Z' },
  ],
};
const ownership = ShardOwnership.of(RUN);

test('shard ownership: the owner of each shard is its last hand-over', () => {
  const cases: Array<[shard: number, owner: { cluster: string; attempt: number; index: number } | undefined]> = [
    [0, { cluster: 'worker-a', attempt: 0, index: 0 }],
    [1, { cluster: 'worker-a', attempt: 0, index: 1 }],
    [2, { cluster: 'worker-a', attempt: 1, index: 0 }],
    [3, { cluster: 'worker-b', attempt: 0, index: 0 }],
    [4, { cluster: 'worker-c', attempt: 2, index: 0 }],
    [5, undefined],
  ];
  for (const [shard, owner] of cases) {
    const slot = ownership.ownerOf(shard);
    assert.deepEqual(slot && { cluster: slot.cluster, attempt: slot.attempt, index: slot.index }, owner, `shard ${shard}`);
    if (slot) assert.equal(slot.job, job(slot.cluster, slot.attempt));
  }
});

test('shard ownership: every slot a shard was given, in dispatch order (where its pods logged)', () => {
  const cases: Array<[shard: number, slots: Array<[cluster: string, attempt: number, index: number]>]> = [
    [1, [['worker-a', 0, 1]]],
    [
      2,
      [
        ['worker-a', 0, 2],
        ['worker-a', 1, 0],
      ],
    ],
    [
      4,
      [
        ['worker-b', 0, 1],
        ['worker-a', 1, 1],
        ['worker-c', 2, 0],
      ],
    ],
    [7, []],
  ];
  for (const [shard, slots] of cases) {
    assert.deepEqual(
      ownership.slotsOf(shard).map((s) => [s.cluster, s.attempt, s.index]),
      slots,
      `shard ${shard}`,
    );
  }
  assert.equal(ownership.slotsOf().length, 8);
});

test('shard ownership: the Jobs owning shards now, with their lists and dispatch times', () => {
  assert.deepEqual(
    ownership.owningJobs().map((o) => ({ job: o.job, shards: o.shards, list: o.list, at: o.dispatchedAt })),
    [
      { job: job('worker-a', 0), shards: [0, 1], list: undefined, at: undefined },
      { job: job('worker-a', 1), shards: [2], list: [2, 4], at: '2026-03-02T10:00:00Z' },
      { job: job('worker-b', 0), shards: [3], list: undefined, at: undefined },
      { job: job('worker-c', 2), shards: [4], list: [4], at: '2026-03-02T10:05:00Z' },
    ],
  );
});

test("shard ownership: missing shards grouped by their owning Job; shards no record names are nobody's", () => {
  const cases: Array<[missing: number[], owned: Array<[job: string, shards: number[]]>, unowned: number[]]> = [
    [[], [], []],
    [
      [4, 1, 0],
      [
        [job('worker-c', 2), [4]],
        [job('worker-a', 0), [0, 1]],
      ],
      [],
    ],
    [
      [2, 9, 3],
      [
        [job('worker-a', 1), [2]],
        [job('worker-b', 0), [3]],
      ],
      [9],
    ],
  ];
  for (const [missing, owned, unowned] of cases) {
    const grouped = ownership.byOwner(missing);
    assert.deepEqual(
      grouped.owned.map((o) => [o.job, o.shards]),
      owned,
      `missing ${missing}`,
    );
    assert.deepEqual(grouped.unowned, unowned, `missing ${missing}`);
  }
});

test('shard ownership: shards each cluster owns now, a cluster whose shards all moved counting 0', () => {
  const cases: Array<[run: DispatchRecords, counts: Array<[string, number]>]> = [
    [
      RUN,
      [
        ['worker-a', 3],
        ['worker-b', 1],
        ['worker-c', 1],
      ],
    ],
    [
      { ...RUN, redispatches: [{ attempt: 1, cluster: 'worker-a', shards: [3, 4], reason: 'lost', at: '2026-03-02T10:00:00Z' }] },
      [
        ['worker-a', 5],
        ['worker-b', 0],
      ],
    ],
    [{ runId: 'r1' }, []],
  ];
  for (const [run, counts] of cases) assert.deepEqual([...ShardOwnership.of(run).shardsByCluster()], counts);
});
