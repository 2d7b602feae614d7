import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterStatuses, countIndexes, renderClusterStatuses, type LocalClusterView } from '../../../scripts/cli/fleet-local-commands.ts';

const lists: Array<[string | undefined, number]> = [
  [undefined, 0],
  ['', 0],
  ['7', 1],
  ['0-9', 10],
  ['1,3-5,9', 5],
  ['0-99999', 100_000],
];
for (const [list, count] of lists) {
  test(`countIndexes(${JSON.stringify(list)}) = ${count}`, () => assert.equal(countIndexes(list), count));
}

const view: LocalClusterView[] = [
  {
    name: 'worker-a',
    down: false,
    jobs: [
      { name: 'altus-r1-worker-a-a0', runId: 'r1', status: { active: 4, succeeded: 10, failed: 3, failedIndexes: '2,5-6' } },
      { name: 'altus-r2-worker-a-a0', runId: 'r2', status: { active: 2, succeeded: 0 } },
    ],
  },
  { name: 'worker-b', down: true, jobs: [{ name: 'altus-r1-worker-b-a0', runId: 'r1', status: { succeeded: 7 } }] },
  { name: 'worker-c', down: false, jobs: [] },
];

test("per-cluster status sums its Jobs' indexes: active, succeeded, failed for good (not failed attempts)", () => {
  assert.deepEqual(clusterStatuses(view), [
    { cluster: 'worker-a', down: false, jobs: 2, activeIndexes: 6, succeededIndexes: 10, failedIndexes: 3 },
    { cluster: 'worker-b', down: true, jobs: 1, activeIndexes: 0, succeededIndexes: 7, failedIndexes: 0 },
    { cluster: 'worker-c', down: false, jobs: 0, activeIndexes: 0, succeededIndexes: 0, failedIndexes: 0 },
  ]);
});

test('the table shows a lost cluster as DOWN, one aligned row per cluster', () => {
  assert.equal(
    renderClusterStatuses(clusterStatuses(view)),
    [
      'cluster   state  jobs  active  succeeded  failed',
      'worker-a  up        2       6         10       3',
      'worker-b  DOWN      1       0          7       0',
      'worker-c  up        0       0          0       0',
    ].join('\n'),
  );
});
