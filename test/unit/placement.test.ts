/** Placement: deterministic weighted contiguous slices over the eligible clusters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFleetConfig, type FleetConfig } from '../../shared/fleet-config.ts';
import { eligibleClusters, placeShards } from '../../jobs/planning/placement.ts';

const cluster = (name: string, weight: number, available = true) => ({
  name,
  region: 'us-central1',
  weight,
  available,
  maxParallelism: 100,
  machineType: 'c2d-standard-8',
  vcpusPerNode: 8,
  maxNodes: 10,
  pricing: { spotPerVcpuHour: 0.01, onDemandPerVcpuHour: 0.03 },
});
const fleet = (clusters: unknown[]): FleetConfig =>
  parseFleetConfig({ project: 'altus-test-1', hub: { name: 'hub', region: 'us-east1' }, clusters, workerImage: 'img', workerServiceAccount: { kubernetes: 'w', google: 'altus-worker' } });

const cases: Array<[string, FleetConfig, number, string[] | undefined, Array<[string, number, number]>]> = [
  ['equal weights, odd count: the tie goes to the first', fleet([cluster('a', 1), cluster('b', 1)]), 7, undefined, [['a', 0, 4], ['b', 4, 3]]],
  ['weights 3:1', fleet([cluster('a', 3), cluster('b', 1)]), 10000, undefined, [['a', 0, 7500], ['b', 7500, 2500]]],
  ['unavailable cluster gets nothing', fleet([cluster('a', 1, false), cluster('b', 1)]), 5, undefined, [['b', 0, 5]]],
  ['placement.clusters restricts', fleet([cluster('a', 1), cluster('b', 1), cluster('c', 1)]), 9, ['c', 'a'], [['a', 0, 5], ['c', 5, 4]]],
  ['fewer shards than clusters', fleet([cluster('a', 1), cluster('b', 1), cluster('c', 1)]), 1, undefined, [['a', 0, 1]]],
];

for (const [name, config, shards, restrict, expected] of cases) {
  test(`placement: ${name}`, () => {
    const slices = placeShards(shards, eligibleClusters(config, restrict));
    assert.deepEqual(slices.map((s) => [s.cluster.name, s.offset, s.count]), expected);
    assert.equal(slices.reduce((n, s) => n + s.count, 0), shards);
  });
}

test('placement refuses an empty cluster list', () => {
  assert.throws(() => placeShards(3, []), /no eligible cluster/);
});
