/** Completion tallies: the groups partition the shards, about √S groups, never more groups than shards. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tallyGroupSize, tallyGroups } from '../../shared/run-store.ts';

test('tallies: group sizes add up to the shard count and match shard mod groups', () => {
  for (const shards of [1, 2, 3, 7, 10, 99, 100, 101, 1000, 10_000, 65_537, 100_000]) {
    const groups = tallyGroups(shards);
    assert.ok(groups >= 1 && groups <= Math.min(shards, 256), `${groups} groups for ${shards} shards`);
    let total = 0;
    for (let g = 0; g < groups; g++) total += tallyGroupSize(shards, g);
    assert.equal(total, shards);
    if (shards <= 1000) {
      const counted = new Array<number>(groups).fill(0);
      for (let s = 0; s < shards; s++) counted[s % groups]!++;
      assert.deepEqual(
        counted,
        Array.from({ length: groups }, (_, g) => tallyGroupSize(shards, g)),
      );
    }
  }
});

test('tallies: about √S groups, at most 256', () => {
  assert.equal(tallyGroups(1), 1);
  assert.equal(tallyGroups(10_000), 100);
  assert.equal(tallyGroups(100_000), 256);
});
