/**
 * The chaos scenarios. Each runs a manifest on the local stack with one kind of
 * fault injected at the infrastructure (push delivery, the fleet, crash points,
 * the bucket trigger) and judges the run against the fault-free run of the same
 * manifest.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import { TERMINAL_STATUSES, type RunDocument } from '../../shared/documents.ts';
import { armCrashPoints, CRASH_POINTS, firedCrashPoints } from '../../shared/faults.ts';
import { runIdForUpload } from '../../shared/ids.ts';
import type { FirestoreRunStore } from '../../shared/run-store.ts';
import type { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { objectUri } from '../../shared/storage/object-store.ts';
import { submitLocal } from '../cli/submit.ts';
import { deliverFinalized } from '../stack/eventarc.ts';
import { sleep } from '../stack/processes.ts';
import type { StackInfo } from '../stack/state.ts';
import { CORPUS } from './corpus.ts';
import type { ChaosProxy } from './proxy.ts';
import { judge, type ChaosRow } from './verdict.ts';

/** What every scenario gets. */
export interface ChaosContext {
  stack: StackInfo;
  runs: FirestoreRunStore;
  pubsub: PubSub;
  store: LocalObjectStore;
  proxy: ChaosProxy;
  chaosDir: string;
  progress: (line: string) => void;
}

const book = (name: string, paths: number) => ({
  apiVersion: 'altus/v1',
  kind: 'Run',
  name,
  kernel: { name: 'european-option-mc', paths, seed: 11 },
  parameters: {
    random: { count: 40, seed: 5, base: { type: 'call', rate: 0.03, maturity: 1 }, fields: { spot: { uniform: [80, 120] }, strike: { uniform: [90, 110] }, volatility: { normal: [0.25, 0.05], min: 0.05 } } },
  },
  shardSize: 2,
});
/** A quick run (20 shards, milliseconds each) and a heavy one (20 shards of about a second). */
export const LIGHT = book('chaos-light', 20_000);
export const HEAVY = book('chaos-heavy', 16_000_000);

const baselines = new Map<unknown, Promise<RunDocument>>();

async function submit(ctx: ChaosContext, name: string, manifest: unknown, files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = mkdtempSync(join(ctx.stack.home, 'chaos-'));
  const path = join(dir, name);
  writeFileSync(path, typeof manifest === 'string' || Buffer.isBuffer(manifest) ? manifest : JSON.stringify(manifest));
  for (const [file, body] of Object.entries(files)) writeFileSync(join(dir, file), body);
  return (await submitLocal(ctx.stack, path)).runId;
}

/** Waits for a run to end. */
export async function waitForEnd(ctx: ChaosContext, runId: string, timeoutSeconds = 600): Promise<RunDocument> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const run = await ctx.runs.getRun(runId);
    if (run && TERMINAL_STATUSES.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish in ${timeoutSeconds} s (${run?.status ?? 'not created'})`);
    await sleep(200);
  }
}

function baseline(ctx: ChaosContext, manifest: unknown): Promise<RunDocument> {
  let run = baselines.get(manifest);
  if (!run) {
    run = submit(ctx, 'baseline.json', manifest).then((id) => waitForEnd(ctx, id));
    baselines.set(manifest, run);
  }
  return run;
}

async function timed(scenario: string, body: () => Promise<Omit<ChaosRow, 'scenario' | 'seconds'>>): Promise<ChaosRow> {
  const started = performance.now();
  const row = await body();
  return { scenario, ...row, seconds: (performance.now() - started) / 1000 };
}

/** Runs `manifest` while `fault` acts on it (given the run id), and judges it; `before` runs just before the upload. */
async function faulted(
  ctx: ChaosContext,
  manifest: unknown,
  fault: (runId: string) => Promise<string>,
  before: () => Promise<void> = async () => undefined,
): Promise<Omit<ChaosRow, 'scenario' | 'seconds'>> {
  const expected = await baseline(ctx, manifest);
  await before();
  const runId = await submit(ctx, 'faulted.json', manifest);
  const note = await fault(runId);
  const run = await waitForEnd(ctx, runId);
  return { runs: 1, ...judge(run, expected), note };
}

async function until(probe: () => Promise<boolean>, timeoutSeconds = 120): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the fault window');
    await sleep(100);
  }
}

type FleetView = Array<{ name: string; jobs: Array<{ runId?: string; status: { active?: number } }> }>;
const fleet = async (ctx: ChaosContext) => (await (await fetch(`${ctx.stack.localFleetUrl}/_altus/clusters`)).json()) as FleetView;
const active = async (ctx: ChaosContext, runId: string, cluster?: string) =>
  (await fleet(ctx)).some((c) => (!cluster || c.name === cluster) && c.jobs.some((j) => j.runId === runId && (j.status.active ?? 0) > 0));

/** Every scenario by name. */
export const SCENARIOS: Record<string, (ctx: ChaosContext) => Promise<ChaosRow>> = {
  'duplicate+shuffle': (ctx) =>
    timed('every message delivered twice, shuffled', () =>
      faulted(ctx, LIGHT, async () => {
        await ctx.proxy.install(Object.fromEntries(['run-request', 'dispatch', 'collect', 'aggregate', 'reconcile'].map((fn) => [fn, { duplicate: true, shuffleMilliseconds: 300 }])));
        return 'all push subscriptions through the proxy';
      }).finally(() => ctx.proxy.uninstall()).then((row) => ({ ...row, note: `${ctx.proxy.stats.duplicated} deliveries doubled` })),
    ),

  'finalize twice': (ctx) =>
    timed('finalize event twice; new generation', async () => {
      const expected = await baseline(ctx, LIGHT);
      const uri = objectUri(ctx.stack.buckets.manifests, `chaos/finalize-${Date.now()}.json`);
      const first = await ctx.store.write(uri, JSON.stringify(LIGHT));
      await Promise.all([deliverFinalized(ctx.stack.ingestUrl, first.info), deliverFinalized(ctx.stack.ingestUrl, first.info)]);
      const a = await waitForEnd(ctx, runIdForUpload(first.info.bucket, first.info.name, first.info.generation));
      await deliverFinalized(ctx.stack.ingestUrl, first.info);
      await sleep(1100);
      const second = await ctx.store.write(uri, JSON.stringify(LIGHT));
      await deliverFinalized(ctx.stack.ingestUrl, second.info);
      const b = await waitForEnd(ctx, runIdForUpload(second.info.bucket, second.info.name, second.info.generation));
      const runs = (await ctx.runs.listRuns(500)).filter((r) => r.origin.kind === 'upload' && r.origin.object === first.info.name);
      const ja = judge(a, expected);
      const jb = judge(b, expected);
      return {
        runs: runs.length,
        identical: ja.identical && jb.identical && runs.length === 2 && a.runId !== b.runId,
        shardsLost: ja.shardsLost + jb.shardsLost,
        shardsDoubleCounted: ja.shardsDoubleCounted + jb.shardsDoubleCounted,
        note: `${runs.length} runs for 4 events over 2 generations`,
      };
    }),

  'kill 20%': (ctx) =>
    timed('20% of worker processes SIGKILLed mid-shard', () =>
      faulted(ctx, HEAVY, async (runId) => {
        const target = Math.ceil(0.2 * 20);
        let killed = 0;
        while (killed < target) {
          const run = await ctx.runs.getRun(runId);
          if (run && TERMINAL_STATUSES.includes(run.status)) break;
          const res = await fetch(`${ctx.stack.localFleetUrl}/_altus/runs/${runId}/kill?count=1`, { method: 'POST' });
          killed += ((await res.json()) as { killed: number }).killed;
          await sleep(400);
        }
        return `${killed} of 20 shards' pods killed`;
      }),
    ),

  'cluster lost': (ctx) =>
    timed('worker cluster lost mid-run', () =>
      faulted(ctx, HEAVY, async (runId) => {
        await until(() => active(ctx, runId, 'worker-b'));
        await fetch(`${ctx.stack.localFleetUrl}/_altus/clusters/worker-b/down`, { method: 'POST' });
        await waitForEnd(ctx, runId);
        await fetch(`${ctx.stack.localFleetUrl}/_altus/clusters/worker-b/up`, { method: 'POST' });
        const run = await ctx.runs.getRun(runId);
        return `worker-b down; ${(run?.redispatches ?? []).reduce((n, r) => n + r.shards.length, 0)} shards re-dispatched`;
      }),
    ),

  'crash each function': (ctx) =>
    timed('each function crashed once mid-handler', () =>
      faulted(
        ctx,
        LIGHT,
        async () => 'armed',
        async () => armCrashPoints(ctx.chaosDir, CRASH_POINTS.filter((p) => p !== 'reconcile.after-redispatch')),
      ).then((row) => ({ ...row, note: `crashed at ${firedCrashPoints(ctx.chaosDir).length} points: ${firedCrashPoints(ctx.chaosDir).join(', ')}` })),
    ),

  'completion dropped': (ctx) =>
    timed('completion events dropped', () =>
      faulted(ctx, LIGHT, async () => {
        await ctx.proxy.install({ collect: { dropEvery: 4 } });
        return '';
      })
        .finally(() => ctx.proxy.uninstall())
        .then((row) => ({ ...row, note: `${ctx.proxy.stats.dropped} completions dropped, recovered by reconcile` })),
    ),

  poison: (ctx) =>
    timed('poison messages during a run', () =>
      faulted(ctx, LIGHT, async (runId) => {
        const garbage = Buffer.from('\u0000{not json');
        for (const topic of ['runRequests', 'dispatch', 'completions', 'aggregate', 'reconcile'] as const) {
          await ctx.pubsub.topic(ctx.stack.topics[topic]).publishMessage({ data: garbage });
        }
        await ctx.pubsub.topic(ctx.stack.topics.completions).publishMessage({ json: { v: 1, runId, shard: 999, attempt: 0, cluster: 'worker-a', status: 'succeeded', parameters: 1, parametersFailed: 0, cpuSeconds: 0 } });
        await ctx.pubsub.topic(ctx.stack.topics.completions).publishMessage({ json: { v: 2, runId } });
        return '5 undecodable messages, 1 out-of-range and 1 wrong-version completion';
      }),
    ),

  corpus: (ctx) =>
    timed(`${CORPUS.length} malformed manifests and parameter files`, async () => {
      let asExpected = 0;
      let slowest = 0;
      const misses: string[] = [];
      await Promise.all(
        CORPUS.map(async (c, i) => {
          const started = performance.now();
          const runId = await submit(ctx, `corpus-${i}.json`, c.manifest, c.files);
          const run = await waitForEnd(ctx, runId, 120);
          slowest = Math.max(slowest, (performance.now() - started) / 1000);
          const e = c.expect;
          const ok =
            e.status === 'REJECTED'
              ? run.status === 'REJECTED' && run.error?.code === e.code
              : run.status === e.status && run.counts.parametersFailed === (e.parametersFailed === 'all' ? run.counts.parameters : e.parametersFailed);
          if (ok) asExpected++;
          else misses.push(`${c.name}: ${run.status} ${run.error?.code ?? ''} failed=${run.counts.parametersFailed}`);
        }),
      );
      return {
        runs: CORPUS.length,
        identical: asExpected === CORPUS.length,
        shardsLost: 0,
        shardsDoubleCounted: 0,
        note: `${asExpected}/${CORPUS.length} as expected, slowest ${slowest.toFixed(1)} s${misses.length ? `; ${misses.join('; ')}` : ''}`,
      };
    }),
};

/** Scenarios quick enough for `npm test`. */
export const FAST_SCENARIOS = ['duplicate+shuffle', 'finalize twice', 'completion dropped', 'poison', 'corpus'];
