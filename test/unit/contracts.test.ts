/**
 * The contract readers (shared/run-plan.ts, shared/shard-partial.ts): what the
 * planner and the worker write reads back equal, and anything else is refused
 * at the edge with a ContractError naming the object and its first problem.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { ContractError } from '../../shared/contract.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { readRunPlan, type RunPlan } from '../../shared/run-plan.ts';
import { readShardPartial, type ShardPartial } from '../../shared/shard-partial.ts';
import { MetricAccumulator } from '../../shared/stats/partial.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { planRun } from '../../jobs/planning/plan.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const PLAN_URI = 'gs://r/runs/run-1/plan.json';
const PARTIAL_URI = 'gs://r/runs/run-1/shards/00000.partial.json';

async function plannedRun(format: 'parquet' | 'ndjson'): Promise<RunPlan> {
  const manifest = {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 'contract',
    kernel: { name: 'black-scholes' },
    parameters: {
      grid: { base: { type: 'call', spot: 100, rate: 0.05, maturity: 1 }, axes: { strike: { from: 80, to: 120, steps: 5 }, volatility: [0.1, 0.2] } },
    },
    results: { format },
  };
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-contract-')));
  return planRun({ runId: 'run-1', validated: validateManifest(manifest, fleet), store, manifestsBucket: 'm', resultsBucket: 'r', manifestObject: null });
}

function partial(values: number[]): ShardPartial {
  const price = new MetricAccumulator();
  for (const v of values) price.add(v);
  return { v: 1, runId: 'run-1', shard: 0, parameters: values.length, parametersFailed: 0, metrics: { price: price.toPartial() } };
}

test('a plan as planned reads back equal, whatever its results format', async () => {
  for (const format of ['parquet', 'ndjson'] as const) {
    const plan = await plannedRun(format);
    assert.deepEqual(readRunPlan(Buffer.from(JSON.stringify(plan)), PLAN_URI), plan, format);
  }
});

test('a plan written before results layouts and metric discovery still reads', async () => {
  const { results: _results, discoverMetrics: _discover, ...older } = await plannedRun('ndjson');
  assert.deepEqual(readRunPlan(JSON.stringify(older), PLAN_URI), older);
});

test('a partial reads back equal, with values or without', () => {
  for (const values of [[1, 2.5, -3], []]) {
    const written = partial(values);
    assert.deepEqual(readShardPartial(JSON.stringify(written), PARTIAL_URI), written, `${values.length} values`);
  }
});

type Mutation = (value: Record<string, unknown>) => unknown;
const planRefusals: Array<[string, Mutation | string, RegExp]> = [
  ['truncated bytes', '{"v":1,"runId":"run-1"', /^the run plan gs:\/\/r\/runs\/run-1\/plan\.json is not valid: not JSON/],
  ['an unknown field', (p) => ({ ...p, shards: 3 }), /is not valid: \(root\): unknown field\(s\) "shards"$/],
  ['a missing field', ({ shardCount: _, ...p }) => p, /is not valid: shardCount: /],
  ['a newer version', (p) => ({ ...p, v: 2 }), /is not valid: v: /],
  ['a count that is text', (p) => ({ ...p, parameterCount: '10' }), /is not valid: parameterCount: /],
  ['a manifest the schema refuses', (p) => ({ ...p, manifest: { ...(p.manifest as object), shardSize: 0 } }), /is not valid: manifest\.shardSize: /],
  [
    'a file index without its offsets',
    (p) => ({ ...p, file: { uri: 'gs://m/p.csv', format: 'csv', generation: '1', count: 3, endOffset: 9 } }),
    /is not valid: file\.shardOffsets: /,
  ],
];

for (const [name, mutation, message] of planRefusals) {
  test(`a plan with ${name} is refused naming the plan and the problem`, async () => {
    const text =
      typeof mutation === 'string' ? mutation : JSON.stringify(mutation(JSON.parse(JSON.stringify(await plannedRun('parquet'))) as Record<string, unknown>));
    assert.throws(
      () => readRunPlan(text, PLAN_URI),
      (error: unknown) => error instanceof ContractError && message.test(error.message) && error.subject.includes(PLAN_URI),
    );
  });
}

const partialRefusals: Array<[string, Mutation | Uint8Array, RegExp]> = [
  ['bytes that are not UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d]), /is not valid: not UTF-8 text$/],
  [
    'a metric without its sketch',
    (p) => ({ ...p, metrics: { price: { count: 1, mean: 1, m2: 0, min: 1, max: 1 } } }),
    /is not valid: metrics\.price\.sketch: /,
  ],
  ['a negative shard', (p) => ({ ...p, shard: -1 }), /is not valid: shard: /],
  [
    'an unknown field in a metric',
    (p) => ({ ...p, metrics: { price: { ...(p.metrics as { price: object }).price, p99: 1 } } }),
    /is not valid: metrics\.price: unknown field\(s\) "p99"$/,
  ],
];

for (const [name, mutation, message] of partialRefusals) {
  test(`a partial with ${name} is refused naming the partial and the problem`, () => {
    const bytes = mutation instanceof Uint8Array ? mutation : JSON.stringify(mutation(JSON.parse(JSON.stringify(partial([1]))) as Record<string, unknown>));
    assert.throws(
      () => readShardPartial(bytes, PARTIAL_URI),
      (error: unknown) =>
        error instanceof ContractError && error.message.startsWith(`the shard partial ${PARTIAL_URI} is not valid: `) && message.test(error.message),
    );
  });
}
