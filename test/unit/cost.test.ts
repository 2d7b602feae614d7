/**
 * Cost of a run from its shard records, at the prices of the test fleet (test/fixtures/altus.config.json):
 * Spot and on-demand CPU pools, GPU pools, the fallback for records without
 * wall time, shards on clusters the configuration no longer has, and rounding
 * for people.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCost, savingsPercent } from '../../shared/cost.ts';
import { formatUsd } from '../../shared/display-format.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { loadFleetConfig, parseFleetConfig, type FleetConfig } from '../../shared/fleet-config.ts';
import type { GpuRequest } from '../../shared/resources.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
/** The same fleet with worker-b on on-demand VMs. */
const withOnDemandB: FleetConfig = parseFleetConfig({
  ...fleet,
  clusters: fleet.clusters.map((c) => (c.name === 'worker-b' ? { ...c, spot: false } : c)),
});
const h100: GpuRequest = { type: 'nvidia-h100-80gb', count: 1 };
const a100: GpuRequest = { type: 'nvidia-tesla-a100', count: 1 };

/** `n` shards on `cluster`, each with `wall` seconds of wall time. */
const shards = (cluster: string, n: number, wall: number) => Array.from({ length: n }, () => ({ cluster, cpuSeconds: wall * 0.9, wallSeconds: wall }));

// Prices in the test fleet: worker-a 0.0093 / 0.0363 per vCPU-hour, H100 2.25 / 11.06 per GPU-hour;
// worker-b 0.0101 / 0.0399 per vCPU-hour, A100 1.10 / 3.67 per GPU-hour. One pod requests 1 vCPU.
const cases: Array<{
  label: string;
  config: FleetConfig;
  gpu?: GpuRequest;
  shards: ReturnType<typeof shards>;
  estimated: number;
  onDemand: number;
  vcpuSeconds: number;
  gpuSeconds: number;
}> = [
  {
    label: 'one vCPU-hour on Spot worker-a',
    config: fleet,
    shards: shards('worker-a', 2, 1800),
    estimated: 0.0093,
    onDemand: 0.0363,
    vcpuSeconds: 3600,
    gpuSeconds: 0,
  },
  {
    label: 'both Spot clusters, at their own prices',
    config: fleet,
    shards: [...shards('worker-a', 4, 900), ...shards('worker-b', 2, 3600)],
    estimated: 0.0093 + 2 * 0.0101,
    onDemand: 0.0363 + 2 * 0.0399,
    vcpuSeconds: 10800,
    gpuSeconds: 0,
  },
  {
    label: 'on-demand worker-b: billed at on-demand, no savings there',
    config: withOnDemandB,
    shards: shards('worker-b', 1, 3600),
    estimated: 0.0399,
    onDemand: 0.0399,
    vcpuSeconds: 3600,
    gpuSeconds: 0,
  },
  {
    label: 'an H100 hour on Spot: host vCPU plus GPU',
    config: fleet,
    gpu: h100,
    shards: shards('worker-a', 3, 1200),
    estimated: 0.0093 + 2.25,
    onDemand: 0.0363 + 11.06,
    vcpuSeconds: 3600,
    gpuSeconds: 3600,
  },
  {
    label: 'an A100 hour on Spot',
    config: fleet,
    gpu: a100,
    shards: shards('worker-b', 1, 3600),
    estimated: 0.0101 + 1.1,
    onDemand: 0.0399 + 3.67,
    vcpuSeconds: 3600,
    gpuSeconds: 3600,
  },
  { label: 'no shards', config: fleet, shards: [], estimated: 0, onDemand: 0, vcpuSeconds: 0, gpuSeconds: 0 },
];

for (const c of cases) {
  test(`cost: ${c.label}`, () => {
    const cost = runCost(c.config, c.gpu, c.shards);
    assert.ok(Math.abs(cost.estimatedUsd - c.estimated) < 1e-12, `estimated ${cost.estimatedUsd} vs ${c.estimated}`);
    assert.ok(Math.abs(cost.onDemandEquivalentUsd - c.onDemand) < 1e-12, `on-demand ${cost.onDemandEquivalentUsd} vs ${c.onDemand}`);
    assert.ok(Math.abs(cost.vcpuSeconds - c.vcpuSeconds) < 1e-9);
    assert.ok(Math.abs(cost.gpuSeconds - c.gpuSeconds) < 1e-9);
    const expectedSavings = c.onDemand === 0 ? 0 : 100 * (1 - c.estimated / c.onDemand);
    assert.ok(Math.abs(cost.savingsPercent - expectedSavings) < 1e-9, `savings ${cost.savingsPercent} vs ${expectedSavings}`);
    assert.ok(cost.savingsPercent >= 0 && cost.savingsPercent <= 100);
    assert.equal(
      cost.byPool.reduce((n, p) => n + p.shards, 0),
      c.shards.length,
    );
    assert.equal(cost.shardsUnpriced, 0);
  });
}

test('cost: each pool says which prices it was billed at', () => {
  const cost = runCost(fleet, h100, shards('worker-a', 1, 60));
  assert.deepEqual(
    cost.byPool.map((p) => [p.cluster, p.gpuPool, p.acceleratorType, p.machineType, p.spot, p.prices]),
    [
      [
        'worker-a',
        'h100',
        'nvidia-h100-80gb',
        'a3-highgpu-1g',
        true,
        { perVcpuHour: 0.0093, onDemandPerVcpuHour: 0.0363, perGpuHour: 2.25, onDemandPerGpuHour: 11.06 },
      ],
    ],
  );
  const cpu = runCost(withOnDemandB, undefined, shards('worker-b', 1, 60));
  assert.deepEqual(
    cpu.byPool.map((p) => [p.cluster, p.gpuPool, p.machineType, p.spot, p.prices]),
    [['worker-b', undefined, 'c2d-standard-8', false, { perVcpuHour: 0.0399, onDemandPerVcpuHour: 0.0399 }]],
  );
});

test('cost: requested vCPUs are billed — a 2-vCPU pod costs twice a 1-vCPU pod for the same wall time', () => {
  const twoVcpus = parseFleetConfig({ ...fleet, workerResources: { cpu: '2000m', memory: '2Gi' } });
  assert.ok(Math.abs(runCost(twoVcpus, undefined, shards('worker-a', 1, 3600)).estimatedUsd - 2 * 0.0093) < 1e-12);
});

test('cost: two GPUs per pod double the GPU seconds', () => {
  const twoPerNode = parseFleetConfig({
    ...fleet,
    clusters: fleet.clusters.map((c) => ({ ...c, gpuPools: c.gpuPools.map((p) => ({ ...p, acceleratorCount: 2 })) })),
  });
  const cost = runCost(twoPerNode, { type: 'nvidia-h100-80gb', count: 2 }, shards('worker-a', 1, 3600));
  assert.equal(cost.gpuSeconds, 7200);
  assert.ok(Math.abs(cost.estimatedUsd - (0.0093 + 2 * 2.25)) < 1e-12);
});

test('cost: a record without wall time (older worker, reconcile) falls back to the CPU time used', () => {
  const cost = runCost(fleet, undefined, [
    { cluster: 'worker-a', cpuSeconds: 3600 },
    { cluster: 'worker-a', cpuSeconds: 0 },
  ]);
  assert.equal(cost.vcpuSeconds, 3600);
  assert.ok(Math.abs(cost.estimatedUsd - 0.0093) < 1e-12);
});

test('cost: shards on a cluster or GPU pool the configuration no longer has are counted apart, not priced at 0', () => {
  const cost = runCost(fleet, undefined, [...shards('worker-gone', 2, 3600), ...shards('worker-a', 1, 3600)]);
  assert.equal(cost.shardsUnpriced, 2);
  assert.ok(Math.abs(cost.estimatedUsd - 0.0093) < 1e-12);
  // worker-b has an A100 pool, not an H100 one.
  assert.equal(runCost(fleet, h100, shards('worker-b', 1, 3600)).shardsUnpriced, 1);
});

test('savingsPercent: 0 when on-demand is 0, within 0–100 otherwise', () => {
  assert.equal(savingsPercent(0, 0), 0);
  assert.equal(savingsPercent(1, 4), 75);
  assert.equal(savingsPercent(4, 4), 0);
  assert.equal(savingsPercent(0, 4), 100);
});

test('the fleet configuration refuses a Spot price above on-demand', () => {
  const swapped = { ...fleet, clusters: [{ ...fleet.clusters[0]!, pricing: { spotPerVcpuHour: 0.04, onDemandPerVcpuHour: 0.01 } }] };
  assert.throws(() => parseFleetConfig(swapped), /clusters\.0\.pricing: spotPerVcpuHour is above onDemandPerVcpuHour/);
});

const usd: Array<[number, string]> = [
  [0, '$0.00'],
  [1234.567, '$1,234.57'],
  [2.2593, '$2.26'],
  [0.0363, '$0.0363'],
  [0.000123456, '$0.000123'],
];
for (const [value, text] of usd) test(`formatUsd(${value}) is ${text}`, () => assert.equal(formatUsd(value), text));
