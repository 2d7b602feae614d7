/**
 * Duplicate completions do not count twice in a run's cost: every completion of
 * a GPU run is delivered twice (the second with another wall time, as a
 * re-executed pod would report) to the real collect and aggregate handlers,
 * over an in-memory RunStore that keeps the store's contract (a shard record
 * is created once; the first wins) and a folder object store. The cost is the
 * first deliveries' at the H100 Spot prices of the test fleet.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { NO_FAULTS } from '../../shared/faults.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';
import { manifestSchema } from '../../shared/manifest.ts';
import type { CompletionEvent, TopicRole } from '../../shared/messages.ts';
import { MetricAccumulator } from '../../shared/stats/partial.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { runObjects, type RunPlan } from '../../shared/run-plan.ts';
import type { Fleet } from '../../jobs/fleet/fleet.ts';
import { createAggregateHandler } from '../../functions/aggregate/handler.ts';
import { createCollectHandler } from '../../functions/collect/handler.ts';
import type { Dependencies } from '../../functions/pipeline/deps.ts';
import { MemoryRunStore } from '../support/memory-run-store.ts';

const pubsubEvent = (json: unknown): CloudEvent<unknown> =>
  ({
    specversion: '1.0',
    id: 'x',
    source: 'test',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message: { data: Buffer.from(JSON.stringify(json)).toString('base64') } },
  }) as CloudEvent<unknown>;

test('a GPU run whose every completion arrives twice is billed once per shard, at the first delivery', async () => {
  const fleetConfig = loadFleetConfig(TEST_FLEET_CONFIG);
  const runs = new MemoryRunStore();
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-cost-')));
  const published: Array<{ role: TopicRole; message: unknown }> = [];
  const deps: Dependencies = {
    runs,
    store,
    bus: {
      publish: async (role: TopicRole, message: unknown) => {
        published.push({ role, message });
        return String(published.length);
      },
    },
    fleet: {} as Fleet,
    fleetConfig,
    config: { projectId: 'demo-cost', buckets: { manifests: 'altus-manifests', results: 'altus-results' } } as Dependencies['config'],
    log: createLogger({ component: 'test', minimumSeverity: 'ERROR' }),
    now: () => new Date('2026-03-01T10:00:00Z'),
    faults: NO_FAULTS,
  };
  const runId = 'gpu-dup-0123456789ab';
  const shardCount = 4;
  const manifest = manifestSchema.parse({
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 'gpu-dup',
    kernel: { name: 'black-scholes' },
    parameters: { inline: [{}] },
    shardSize: 1,
    resources: { gpu: { type: 'nvidia-h100-80gb', count: 1 } },
  });
  const planUri = runObjects.plan('altus-results', runId);
  const plan: RunPlan = {
    v: 1,
    runId,
    resultsBucket: 'altus-results',
    manifest,
    kernelOptions: {},
    metrics: ['price'],
    quantiles: [0.5],
    parameterCount: shardCount,
    shardSize: 1,
    shardCount,
  };
  await store.write(planUri, JSON.stringify(plan));
  await runs.createRun({
    runId,
    name: 'gpu-dup',
    status: 'RUNNING',
    origin: { kind: 'request', requestId: runId },
    manifestHash: 'h',
    planUri,
    attempt: 0,
    createdAt: '2026-03-01T09:00:00Z',
    counts: { parameters: shardCount, shards: shardCount, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
  });

  const collect = createCollectHandler(deps);
  const outcomes: string[] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    const key = String(shard).padStart(6, '0');
    const acc = new MetricAccumulator();
    acc.add(shard);
    const resultUri = runObjects.shardResult('altus-results', runId, key, 'ndjson');
    const partialUri = runObjects.shardPartial('altus-results', runId, key);
    await store.write(resultUri, JSON.stringify({ index: shard, params: {}, price: shard }) + '\n');
    await store.write(partialUri, JSON.stringify({ v: 1, runId, shard, parameters: 1, parametersFailed: 0, metrics: { price: acc.toPartial() } }));
    const completion = (wallSeconds: number): CompletionEvent => ({
      v: 1,
      runId,
      shard,
      attempt: 0,
      cluster: 'worker-a',
      status: 'succeeded',
      resultUri,
      partialUri,
      parameters: 1,
      parametersFailed: 0,
      cpuSeconds: 1,
      wallSeconds,
    });
    // 900 s first; the duplicate claims 10 times as long and must not count.
    outcomes.push(await collect(pubsubEvent(completion(900))), await collect(pubsubEvent(completion(9000))));
  }
  assert.deepEqual(outcomes, ['recorded', 'duplicate', 'recorded', 'duplicate', 'recorded', 'duplicate', 'complete', 'complete']);

  const aggregate = createAggregateHandler(deps);
  for (const message of published.filter((p) => p.role === 'aggregate').map((p) => p.message)) await aggregate(pubsubEvent(message));
  const run = (await runs.getRun(runId))!;
  assert.equal(run.status, 'SUCCEEDED');
  // 4 shards × 900 s = 1 hour of one H100 and one host vCPU on Spot worker-a.
  assert.equal(run.cost!.gpuSeconds, 3600);
  assert.equal(run.cost!.vcpuSeconds, 3600);
  assert.ok(Math.abs(run.cost!.estimatedUsd - (2.25 + 0.0093)) < 1e-12, String(run.cost!.estimatedUsd));
  assert.ok(Math.abs(run.cost!.onDemandEquivalentUsd - (11.06 + 0.0363)) < 1e-12);
  assert.deepEqual(
    run.cost!.byPool.map((p) => [p.cluster, p.gpuPool, p.shards]),
    [['worker-a', 'h100', 4]],
  );
});
