/** Placement: deterministic contiguous slices over the eligible clusters, by weight and capacity. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { loadFleetConfig, parseFleetConfig, type FleetConfig } from '../../shared/fleet-config.ts';
import { clusterCapacity, eligibleClusters, placeShards, podRequest } from '../../jobs/planning/placement.ts';

/** A cluster of capacity 80 (10 nodes × 8 vCPUs, under its maxParallelism of 100) unless `size` says otherwise. */
const cluster = (name: string, weight: number, available = true, size: { maxParallelism?: number; maxNodes?: number; vcpusPerNode?: number } = {}) => ({
  name,
  region: 'us-central1',
  weight,
  available,
  maxParallelism: size.maxParallelism ?? 100,
  machineType: 'c2d-standard-8',
  vcpusPerNode: size.vcpusPerNode ?? 8,
  maxNodes: size.maxNodes ?? 10,
  pricing: { spotPerVcpuHour: 0.01, onDemandPerVcpuHour: 0.03 },
});
/** Capacity 800: 100 nodes × 8 vCPUs. */
const big = (name: string, weight: number) => cluster(name, weight, true, { maxParallelism: 5000, maxNodes: 100 });
const fleet = (clusters: unknown[]): FleetConfig =>
  parseFleetConfig({
    project: 'altus-test-1',
    hub: { name: 'hub', region: 'us-east1' },
    clusters,
    workerImage: 'img',
    workerServiceAccount: { kubernetes: 'w', google: 'altus-worker' },
  });

const cases: Array<[string, FleetConfig, number, string[] | undefined, Array<[string, number, number]>]> = [
  [
    'equal weights, odd count: the tie goes to the first',
    fleet([cluster('a', 1), cluster('b', 1)]),
    7,
    undefined,
    [
      ['a', 0, 4],
      ['b', 4, 3],
    ],
  ],
  [
    'weights 3:1',
    fleet([cluster('a', 3), cluster('b', 1)]),
    10000,
    undefined,
    [
      ['a', 0, 7500],
      ['b', 7500, 2500],
    ],
  ],
  ['unavailable cluster gets nothing', fleet([cluster('a', 1, false), cluster('b', 1)]), 5, undefined, [['b', 0, 5]]],
  [
    'placement.clusters restricts',
    fleet([cluster('a', 1), cluster('b', 1), cluster('c', 1)]),
    9,
    ['c', 'a'],
    [
      ['a', 0, 5],
      ['c', 5, 4],
    ],
  ],
  ['fewer shards than clusters', fleet([cluster('a', 1), cluster('b', 1), cluster('c', 1)]), 1, undefined, [['a', 0, 1]]],
  // Capacities 80 and 800 from here on.
  [
    'a run that fits the fleet: shares by weight × capacity',
    fleet([cluster('a', 1), big('b', 1)]),
    500,
    undefined,
    [
      ['a', 0, 45],
      ['b', 45, 455],
    ],
  ],
  [
    'a heavy weight cannot push a cluster past its capacity while another has room',
    fleet([cluster('a', 10), big('b', 1)]),
    500,
    undefined,
    [
      ['a', 0, 80],
      ['b', 80, 420],
    ],
  ],
  [
    "exactly the fleet's capacity: every cluster full",
    fleet([cluster('a', 10), big('b', 1)]),
    880,
    undefined,
    [
      ['a', 0, 80],
      ['b', 80, 800],
    ],
  ],
  [
    'bigger than the fleet, equal weights: waves balanced by capacity',
    fleet([cluster('a', 1), big('b', 1)]),
    2000,
    undefined,
    [
      ['a', 0, 182],
      ['b', 182, 1818],
    ],
  ],
  [
    'bigger than the fleet: a light cluster is still kept full',
    fleet([cluster('a', 1), big('b', 10)]),
    1000,
    undefined,
    [
      ['a', 0, 80],
      ['b', 80, 920],
    ],
  ],
  [
    "maxParallelism caps capacity below the nodes' vCPUs",
    fleet([cluster('a', 1, true, { maxParallelism: 20 }), cluster('b', 1)]),
    50,
    undefined,
    [
      ['a', 0, 10],
      ['b', 10, 40],
    ],
  ],
];

for (const [name, config, shards, restrict, expected] of cases) {
  test(`placement: ${name}`, () => {
    const slices = placeShards(shards, eligibleClusters(config, restrict));
    assert.deepEqual(
      slices.map((s) => [s.cluster.name, s.offset, s.count]),
      expected,
    );
    assert.equal(
      slices.reduce((n, s) => n + s.count, 0),
      shards,
    );
  });
}

test('placement refuses an empty cluster list', () => {
  assert.throws(() => placeShards(3, []), /no eligible cluster/);
});

test('placement: the default fleet splits a 303-parameter grid in shards of 50 (7 shards) 4/3 over worker-a and worker-b', () => {
  const config = loadFleetConfig(TEST_FLEET_CONFIG);
  const slices = placeShards(Math.ceil(303 / 50), eligibleClusters(config));
  assert.deepEqual(
    slices.map((s) => [s.cluster.name, s.offset, s.count]),
    [
      ['worker-a', 0, 4],
      ['worker-b', 4, 3],
    ],
  );
});

test('placement: capacity is the lesser of maxParallelism and maxNodes × vcpusPerNode', () => {
  assert.equal(clusterCapacity(fleet([cluster('a', 1)]).clusters[0]!), 80);
  assert.equal(clusterCapacity(fleet([cluster('a', 1, true, { maxParallelism: 20 })]).clusters[0]!), 20);
  assert.equal(clusterCapacity(loadFleetConfig(TEST_FLEET_CONFIG).clusters[0]!), 5000);
});

/** A deterministic pseudo-random sequence (LCG), so the property table is the same every run. */
function* lcg(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield x / 2 ** 31;
  }
}

test('placement properties over 300 random fleets and run sizes', () => {
  const random = lcg(42);
  const next = (n: number) => Math.floor(random.next().value! * n);
  for (let round = 0; round < 300; round++) {
    const clusters = Array.from({ length: 1 + next(4) }, (_, i) =>
      cluster(`c${i}`, 1 + next(5), true, { maxParallelism: 1 + next(3000), maxNodes: 1 + next(200), vcpusPerNode: 1 + next(16) }),
    );
    const eligible = eligibleClusters(fleet(clusters));
    const capacity = eligible.reduce((n, c) => n + clusterCapacity(c), 0);
    const shards = 1 + next(3 * capacity);
    const slices = placeShards(shards, eligible);
    const label = `round ${round}: ${shards} shards over ${eligible.map((c) => `${c.name}(w${c.weight},cap${clusterCapacity(c)})`).join(' ')}`;
    assert.deepEqual(placeShards(shards, eligible), slices, `${label}: not deterministic`);
    assert.equal(
      slices.reduce((n, s) => n + s.count, 0),
      shards,
      label,
    );
    let offset = 0;
    for (const slice of slices) {
      assert.equal(slice.offset, offset, `${label}: slices are not contiguous`);
      offset += slice.count;
      const cap = clusterCapacity(slice.cluster);
      if (shards <= capacity) assert.ok(slice.count <= cap, `${label}: ${slice.cluster.name} gets ${slice.count}, over its capacity`);
    }
    if (shards > capacity) {
      for (const c of eligible) {
        const count = slices.find((s) => s.cluster.name === c.name)?.count ?? 0;
        assert.ok(count >= clusterCapacity(c), `${label}: ${c.name} is left idle (${count}) while the run queues`);
      }
    }
  }
});

test("placement: capacity counts pods of the fleet's workerResources.cpu, not one vCPU each", () => {
  const withCpu = (cpu: string, clusters: unknown[]) =>
    parseFleetConfig({
      project: 'altus-test-1',
      hub: { name: 'hub', region: 'us-east1' },
      clusters,
      workerImage: 'img',
      workerServiceAccount: { kubernetes: 'w', google: 'altus-worker' },
      workerResources: { cpu, memory: '2Gi' },
    });
  const pods = (config: FleetConfig, i = 0) => clusterCapacity(config.clusters[i]!, podRequest(config));
  assert.equal(pods(withCpu('2', [cluster('a', 1)])), 40, '10 nodes × (8 vCPUs / 2)');
  assert.equal(pods(withCpu('3', [cluster('a', 1)])), 20, 'a 3-vCPU pod leaves 2 vCPUs of each node unused');
  assert.equal(pods(withCpu('500m', [cluster('a', 1)])), 100, '160 half-vCPU pods, capped by maxParallelism');
  assert.equal(pods(withCpu('1000m', [cluster('a', 1)])), 80);
  // Same weights, one cluster with 4-vCPU nodes: at 2 vCPUs a pod it holds half as many, so it gets a third.
  const mixed = withCpu('2', [cluster('a', 1), cluster('b', 1, true, { vcpusPerNode: 4 })]);
  assert.deepEqual(
    placeShards(60, eligibleClusters(mixed), podRequest(mixed)).map((s) => [s.cluster.name, s.count]),
    [
      ['a', 40],
      ['b', 20],
    ],
  );
});

test("fleet configuration: workerResources.cpu must be a CPU quantity that fits every cluster's node", () => {
  const config = (cpu: string) => () =>
    parseFleetConfig({
      project: 'altus-test-1',
      hub: { name: 'hub', region: 'us-east1' },
      clusters: [cluster('a', 1), cluster('b', 1, true, { vcpusPerNode: 4 })],
      workerImage: 'img',
      workerServiceAccount: { kubernetes: 'w', google: 'altus-worker' },
      workerResources: { cpu, memory: '1Gi' },
    });
  assert.throws(config('one'), /workerResources\.cpu: "one" is not a CPU quantity above 0 such as "1" or "500m"/);
  assert.throws(config('0'), /workerResources\.cpu: "0" is not a CPU quantity above 0/);
  assert.throws(config('6'), /clusters\.1\.vcpusPerNode: a node of 4 vCPUs cannot hold one worker pod of 6 CPU/);
  assert.doesNotThrow(config('4'));
});
