/**
 * The run document's statistics are byte-identical whatever the sharding: for every
 * built-in kernel, plan → shards → partials (as JSON, as they travel) → merge gives the
 * same aggregates and VaR/ES at shard sizes 1, 7 and 1000, in any completion order,
 * and when pods are preempted and retried or completions are delivered twice. No fleet is
 * involved: this is the pipeline's arithmetic, whatever runs the pods.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { getKernel, kernelNames } from '../../../jobs/kernels/registry.ts';
import { planRun } from '../../../jobs/planning/plan.ts';
import type { RunPlan } from '../../../shared/run-plan.ts';
import { validateManifest } from '../../../jobs/planning/validate.ts';
import { computeShard, runShard } from '../../../jobs/worker/run-shard.ts';
import type { ShardPartial } from '../../../shared/shard-partial.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import type { MetricPartial } from '../../../shared/stats/partial.ts';
import { runStatistics } from '../../../shared/stats/run-statistics.ts';
import { LocalObjectStore } from '../../../shared/storage/local-store.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const root = mkdtempSync(join(tmpdir(), 'altus-exact-'));
const store = new LocalObjectStore(root);
after(() => rmSync(root, { recursive: true, force: true }));

const COUNT = 1500;
const SHARD_SIZES = [1, 7, 1000] as const;

/** One run per built-in kernel, over a wide domain: magnitudes from 1e-200 (deep OTM gamma) to 1e6, some failing sets. */
const runs: Record<string, { kernel: Record<string, unknown>; parameters: Record<string, unknown>; expectedShortfall?: number[] }> = {
  'black-scholes': {
    kernel: { name: 'black-scholes' },
    parameters: {
      random: {
        count: COUNT,
        seed: 3,
        base: { type: 'put' },
        fields: {
          spot: { uniform: [1, 400] },
          strike: { uniform: [50, 150] },
          rate: { uniform: [-0.02, 0.1] },
          dividendYield: { uniform: [0, 0.05] },
          // Some draws are <= 0: those sets fail, as in a real sweep.
          volatility: { normal: [0.3, 0.2], max: 1.5 },
          maturity: { uniform: [0.01, 10] },
        },
      },
    },
  },
  'european-option-mc': {
    kernel: { name: 'european-option-mc', paths: 64, seed: 5 },
    parameters: {
      random: {
        count: COUNT,
        seed: 4,
        base: { type: 'call', rate: 0.03 },
        fields: { spot: { uniform: [50, 150] }, strike: { uniform: [80, 120] }, volatility: { uniform: [0.05, 0.8] }, maturity: { uniform: [0.1, 3] } },
      },
    },
  },
  'portfolio-var': {
    kernel: { name: 'portfolio-var', paths: 100, seed: 6, distribution: 'student-t', degreesOfFreedom: 4 },
    parameters: {
      random: {
        count: COUNT,
        seed: 5,
        base: {
          positions: [
            { value: 1e6, dailyVolatility: 0.02 },
            { value: -4e5, dailyVolatility: 0.01 },
          ],
          correlation: [
            [1, 0.3],
            [0.3, 1],
          ],
        },
        fields: { horizonDays: { uniform: [1, 20] }, confidence: { uniform: [0.9, 0.999] } },
      },
    },
  },
  'scenario-revaluation': {
    kernel: {
      name: 'scenario-revaluation',
      rate: 0.04,
      underlyings: { SPX: { spot: 5000, volatility: 0.18, dividendYield: 0.013 } },
      positions: [
        { type: 'underlying', underlying: 'SPX', quantity: 100 },
        { type: 'put', underlying: 'SPX', quantity: 100, strike: 4750, maturity: 0.25 },
        { type: 'call', underlying: 'SPX', quantity: -100, strike: 5250, maturity: 0.05 },
      ],
    },
    parameters: {
      random: {
        count: COUNT,
        seed: 6,
        base: {},
        fields: { spotReturn: { normal: [0, 0.02] }, volShift: { normal: [0, 0.02] }, horizonDays: { uniform: [0, 30] } },
      },
    },
    expectedShortfall: [0.95, 0.99],
  },
};

async function plan(kernelName: string, shardSize: number, runSuffix = ''): Promise<RunPlan> {
  const run = runs[kernelName]!;
  const manifest = {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: `exact-${kernelName}`,
    kernel: run.kernel,
    parameters: run.parameters,
    shardSize,
    aggregate: { quantiles: [0.001, 0.01, 0.5, 0.99], ...(run.expectedShortfall ? { expectedShortfall: run.expectedShortfall } : {}) },
  };
  const validated = validateManifest(manifest, fleet);
  return planRun({
    runId: `exact-${kernelName}-${shardSize}${runSuffix}`,
    validated,
    store,
    manifestsBucket: 'manifests',
    resultsBucket: 'results',
    manifestObject: null,
  });
}

/** The bucket as a pod sees it, except that the first write of chosen shards' partials fails: a pod preempted between its two writes. */
class PreemptingStore extends LocalObjectStore {
  readonly preempted = new Set<string>();
  constructor(
    rootPath: string,
    private readonly victim: (uri: string) => boolean,
  ) {
    super(rootPath);
  }
  override async write(uri: string, data: Buffer | string, options: { ifAbsent?: boolean; contentType?: string } = {}) {
    if (uri.endsWith('.partial.json') && this.victim(uri) && !this.preempted.has(uri)) {
      this.preempted.add(uri);
      throw new Error('pod preempted after writing its rows');
    }
    return super.write(uri, data, options);
  }
}

async function shardPartial(p: RunPlan, shard: number, kernel: NonNullable<ReturnType<typeof getKernel>>): Promise<ShardPartial> {
  const computed = await computeShard({ plan: p, shard, kernel, store, tempDir: root });
  // Partials travel as JSON (worker → bucket → aggregate).
  return JSON.parse(JSON.stringify(computed.partial)) as ShardPartial;
}

/** Seeded Fisher–Yates, for completion orders. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The run document's statistics as the aggregate function writes them, serialized. */
function statistics(p: RunPlan, partials: readonly ShardPartial[]): string {
  return JSON.stringify(runStatistics(partials, { metrics: p.metrics, quantiles: p.quantiles, riskLevels: p.manifest.aggregate.expectedShortfall }));
}

const reference = new Map<string, { plan: RunPlan; partials: ShardPartial[]; bytes: string }>();

for (const kernelName of kernelNames()) {
  const kernel = getKernel(kernelName)!;
  test(`${kernelName}: every aggregate is byte-identical at shard sizes 1, 7 and 1000, in any completion order`, async () => {
    const seen = new Map<number, string>();
    for (const size of SHARD_SIZES) {
      const p = await plan(kernelName, size);
      const partials: ShardPartial[] = [];
      for (let shard = 0; shard < p.shardCount; shard++) partials.push(await shardPartial(p, shard, kernel));
      const bytes = statistics(p, partials);
      seen.set(size, bytes);
      if (size === 7) reference.set(kernelName, { plan: p, partials, bytes });
      // Completions arrive in any order: the aggregate does not care.
      assert.equal(statistics(p, shuffled(partials, size)), bytes, `completion order changed the ${kernelName} aggregates at shard size ${size}`);
    }
    const [first, ...rest] = [...seen];
    for (const [size, bytes] of rest) assert.equal(bytes, first![1], `${kernelName}: shard size ${size} gives other aggregates than shard size ${first![0]}`);
    const doc = JSON.parse(first![1]) as { aggregates: Record<string, { count: number; histogram?: unknown }>; risk?: unknown };
    for (const metric of kernel.outputs) {
      assert.ok(doc.aggregates[metric]!.count > COUNT / 2, `${metric} has values`);
      assert.ok(doc.aggregates[metric]!.histogram, `${metric} has a histogram`);
    }
    if (runs[kernelName]!.expectedShortfall) assert.ok(doc.risk, 'run-level VaR/ES present');
  });

  test(`${kernelName}: shards preempted between their writes and retried, and completions delivered twice, change nothing`, async () => {
    const { bytes } = reference.get(kernelName) ?? assert.fail('the shard-size test runs first');
    const p = await plan(kernelName, 7, '-faults');
    const pod = new PreemptingStore(root, (uri) => /shards\/\d*[05]\.partial/.test(uri));
    const work = (shard: number) =>
      runShard({ plan: p, shard, store: pod, compute: () => computeShard({ plan: p, shard, kernel, store: pod, tempDir: root }) });
    const deliveries: { shard: number; partialUri: string }[] = [];
    for (let shard = 0; shard < p.shardCount; shard++) {
      // The Job controller retries a failed pod: the retry finds the rows but no partial, and computes the shard again.
      const outcome = await work(shard).catch(() => work(shard));
      deliveries.push({ shard, partialUri: outcome.partialUri });
      // At-least-once: some completions arrive twice (a re-reported shard is not recomputed).
      if (shard % 3 === 0) deliveries.push({ shard, partialUri: (await work(shard)).partialUri });
    }
    assert.ok(pod.preempted.size >= p.shardCount / 10, `faults happened (${pod.preempted.size} preemptions)`);
    // Collect records each shard once, whichever delivery arrives first; aggregate reads the partials from the bucket.
    const recorded = new Map<number, string>();
    for (const d of shuffled(deliveries, 99)) if (!recorded.has(d.shard)) recorded.set(d.shard, d.partialUri);
    assert.equal(recorded.size, p.shardCount);
    const partials = await Promise.all(
      shuffled([...recorded.values()], 7).map(async (uri) => JSON.parse((await store.read(uri)).toString('utf8')) as ShardPartial),
    );
    assert.equal(statistics(p, partials), bytes);
  });
}

test('the check can fail: partials without exact sums (an older worker) merge order-dependently in the last digits', () => {
  const { plan: p, partials } = reference.get('black-scholes') ?? assert.fail('the shard-size test runs first');
  const legacy = partials.map((partial) => ({
    ...partial,
    metrics: Object.fromEntries(Object.entries(partial.metrics).map(([m, { exact: _exact, ...rest }]) => [m, rest as MetricPartial])),
  }));
  const orders = [legacy, shuffled(legacy, 1), shuffled(legacy, 2), [...legacy].reverse()].map((order) => statistics(p, order));
  assert.ok(new Set(orders).size > 1, 'the old floating-point merge should depend on the merge order');
  // Still readable: count, min, max, quantiles and histograms agree with the exact merge.
  const exact = JSON.parse(statistics(p, partials)) as {
    aggregates: Record<string, { count: number; min: number; max: number; quantiles: unknown; histogram: unknown }>;
  };
  const old = JSON.parse(orders[0]!) as typeof exact;
  for (const [metric, aggregate] of Object.entries(exact.aggregates)) {
    const { count, min, max, quantiles, histogram } = old.aggregates[metric]!;
    assert.deepEqual(
      { count, min, max, quantiles, histogram },
      { count: aggregate.count, min: aggregate.min, max: aggregate.max, quantiles: aggregate.quantiles, histogram: aggregate.histogram },
    );
  }
});
