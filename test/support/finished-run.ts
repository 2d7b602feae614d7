/** A small finished run on a local store, for tests of what reads results (CLI, dashboard). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getKernel } from '../../jobs/kernels/registry.ts';
import { planRun } from '../../jobs/planning/plan.ts';
import { runObjects } from '../../shared/run-plan.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';
import { computeShard, runShard } from '../../jobs/worker/run-shard.ts';
import { publishResults } from '../../functions/aggregate/results.ts';
import { TEST_FLEET_CONFIG } from './fleet-config.ts';
import type { RunDocument, ShardDocument } from '../../shared/documents.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);

/**
 * A finished 30-set black-scholes grid run (3 shards of 10) on a fresh local store,
 * computed by the worker's code, with the run document's results as the aggregate
 * writes them. A volatility ≤ 0 fails its ten sets.
 */
export async function finishedRun(format: 'parquet' | 'ndjson', volatilities: number[] = [0.1, 0.2, 0.3]) {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-results-sql-')));
  const runId = `sql-${format}`;
  const manifest = {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 'sql',
    kernel: { name: 'black-scholes' },
    parameters: {
      grid: { base: { type: 'call', spot: 100, rate: 0.03, maturity: 1 }, axes: { strike: { from: 80, to: 120, steps: 10 }, volatility: volatilities } },
    },
    shardSize: 10,
    results: { format },
  };
  const plan = await planRun({
    runId,
    validated: validateManifest(manifest, fleet),
    store,
    manifestsBucket: 'm',
    resultsBucket: 'altus-results',
    manifestObject: null,
  });
  const planUri = runObjects.plan('altus-results', runId);
  await store.write(planUri, JSON.stringify(plan));
  const shards: ShardDocument[] = [];
  for (let shard = 0; shard < plan.shardCount; shard++) {
    const outcome = await runShard({ plan, shard, store, compute: () => computeShard({ plan, shard, kernel: getKernel('black-scholes')!, store }) });
    shards.push({
      shard,
      status: 'succeeded',
      attempt: 0,
      cluster: 'a',
      resultUri: outcome.resultUri,
      partialUri: outcome.partialUri,
      parameters: outcome.parameters,
      parametersFailed: outcome.parametersFailed,
      cpuSeconds: 0,
      recordedAt: '',
    });
  }
  const results = await publishResults({ store, config: { buckets: { results: 'altus-results' } } as never }, plan, shards, []);
  const run = { runId, planUri, status: 'SUCCEEDED', results } as RunDocument;
  return { store, run, shards };
}
