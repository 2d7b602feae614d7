import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CLUSTERS, NetworkPlanError, planNetwork, type NetworkPlan } from '../../infra/network-plan.ts';

function toRange(cidr: string): { start: number; end: number; prefix: number } {
  const [ip, bits] = cidr.split('/') as [string, string];
  const start = ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const prefix = Number(bits);
  assert.equal(start % 2 ** (32 - prefix), 0, `${cidr} is not aligned on its prefix`);
  return { start, end: start + 2 ** (32 - prefix) - 1, prefix };
}

function allRanges(plan: NetworkPlan): string[] {
  return [plan.connectorCidr, ...plan.subnets.map((s) => s.cidr), ...Object.values(plan.clusters).flatMap((c) => [c.podsCidr, c.servicesCidr])];
}

function assertDisjoint(cidrs: readonly string[]): void {
  const ranges = cidrs.map((c) => ({ cidr: c, ...toRange(c) })).sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) {
    assert.ok(ranges[i - 1]!.end < ranges[i]!.start, `${ranges[i - 1]!.cidr} overlaps ${ranges[i]!.cidr}`);
  }
}

const fleet = [
  { name: 'altus-hub', region: 'us-east1' },
  { name: 'worker-a', region: 'us-central1' },
  { name: 'worker-b', region: 'europe-west1' },
];

test('one subnet per region, in order of first appearance, each cluster with a /14 for pods and a /20 for services', () => {
  const plan = planNetwork(fleet);
  assert.deepEqual(
    plan.subnets.map((s) => [s.region, s.cidr, s.clusters.map((c) => c.cluster)]),
    [
      ['us-east1', '10.0.0.0/20', ['altus-hub']],
      ['us-central1', '10.0.16.0/20', ['worker-a']],
      ['europe-west1', '10.0.32.0/20', ['worker-b']],
    ],
  );
  for (const ranges of Object.values(plan.clusters)) {
    assert.equal(toRange(ranges.podsCidr).prefix, 14);
    assert.equal(toRange(ranges.servicesCidr).prefix, 20);
  }
  assertDisjoint(allRanges(plan));
});

test('the plan is a function of the cluster list: same input, same plan', () => {
  assert.deepEqual(planNetwork(fleet), planNetwork(structuredClone(fleet)));
});

test('appending a cluster (a new region) leaves every existing range where it was', () => {
  const before = planNetwork(fleet);
  const after = planNetwork([...fleet, { name: 'worker-c', region: 'asia-northeast1' }]);
  for (const [name, ranges] of Object.entries(before.clusters)) assert.deepEqual(after.clusters[name], ranges);
  assert.deepEqual(
    after.subnets.slice(0, 3).map((s) => s.cidr),
    before.subnets.map((s) => s.cidr),
  );
  assert.equal(after.subnets[3]?.region, 'asia-northeast1');
  assertDisjoint(allRanges(after));
});

test('two clusters in one region share its subnet with distinct secondary ranges', () => {
  const plan = planNetwork([...fleet, { name: 'worker-a2', region: 'us-central1' }]);
  const central = plan.subnets.find((s) => s.region === 'us-central1');
  assert.deepEqual(
    central?.clusters.map((c) => c.cluster),
    ['worker-a', 'worker-a2'],
  );
  assert.equal(plan.subnets.length, 3);
  assertDisjoint(allRanges(plan));
});

test('the largest fleet the plan holds has no overlapping range; one more cluster is refused with a clear error', () => {
  const regions = ['us-east1', 'us-central1', 'europe-west1', 'asia-east1', 'us-west1'];
  const largest = Array.from({ length: MAX_CLUSTERS }, (_, i) => ({ name: `c${i}`, region: regions[i % regions.length]! }));
  assertDisjoint(allRanges(planNetwork(largest)));
  assert.throws(() => planNetwork([...largest, { name: 'one-more', region: 'us-east1' }]), NetworkPlanError);
});

test('a duplicate cluster name is refused', () => {
  assert.throws(() => planNetwork([...fleet, { name: 'worker-a', region: 'us-west1' }]), /appears twice/);
});
