/**
 * The chaos scenarios. Each runs a manifest on the local stack with one kind of
 * fault injected at the infrastructure (push delivery, the fleet, crash points,
 * the bucket trigger, the topics) and judges the run against the fault-free run
 * of the same manifest — and the fault by its evidence: a row is clean only if
 * the fault was seen to happen.
 */
import { TERMINAL_STATUSES } from '../../shared/documents.ts';
import { armCrashPoints } from '../../shared/faults.ts';
import { runIdForUpload } from '../../shared/ids.ts';
import { objectUri } from '../../shared/storage/object-store.ts';
import { deliverFinalized } from '../stack/eventarc.ts';
import { sleep } from '../stack/processes.ts';
import { corpusScenario } from './corpus-scenario.ts';
import { crashScenario } from './crash-scenario.ts';
import { crashEvidence, crashLines, podFailures, reconciled, resetCrashPoints, type ExpectedCrash } from './evidence.ts';
import { active, baseline, faulted, fleetView, HEAVY, LIGHT, submit, timed, until, waitForEnd, type ChaosContext } from './harness.ts';
import { poisonScenario } from './poison-scenario.ts';
import { judgeAll, type ChaosRow } from './verdict.ts';

/** The Pub/Sub-driven functions whose deliveries the proxy may double. */
const PUSHED = ['run-request', 'dispatch', 'collect', 'aggregate', 'reconcile'] as const;

/** Reconcile crashes once right after it records a re-dispatch, before any dispatch message goes out. */
const RECONCILE_CRASH: ExpectedCrash[] = [{ fn: 'reconcile', point: 'reconcile.after-redispatch' }];

/** Every scenario by name. */
export const SCENARIOS: Record<string, (ctx: ChaosContext) => Promise<ChaosRow>> = {
  'duplicate+shuffle': (ctx) =>
    timed('every message delivered twice, shuffled', () =>
      faulted(ctx, LIGHT, {
        // Before the upload: the run's first dispatch messages must go through the proxy too.
        before: () => ctx.proxy.install(Object.fromEntries(PUSHED.map((fn) => [fn, { duplicate: true, shuffleMilliseconds: 300 }]))),
        evidence: (run) => {
          const clusters = run.placement?.length ?? 0;
          const doubled = (fn: string) => ctx.proxy.statsFor(run.runId, fn).duplicated;
          const [dispatch, collect, aggregate] = [doubled('dispatch'), doubled('collect'), doubled('aggregate')];
          return {
            faultObserved: clusters > 0 && dispatch >= clusters && collect >= run.counts.shards && aggregate >= 1,
            evidence: `${ctx.proxy.stats.duplicated} deliveries doubled; this run's: dispatch ${dispatch} (of ${clusters} dispatched), collect ${collect} (of ${run.counts.shards} shards), aggregate ${aggregate}`,
          };
        },
        cleanup: () => ctx.proxy.uninstall(),
      }),
    ),

  'finalize twice': (ctx) =>
    timed('finalize event twice; new generation', async () => {
      const expected = await baseline(ctx, LIGHT);
      const uri = objectUri(ctx.stack.buckets.manifests, `chaos/finalize-${Date.now()}.json`);
      let acknowledged = 0;
      // deliverFinalized resolves only once ingest answered 2xx (it throws after its retry budget).
      const deliver = (info: Parameters<typeof deliverFinalized>[1]) => deliverFinalized(ctx.stack.ingestUrl, info).then(() => void acknowledged++);
      const first = await ctx.store.write(uri, JSON.stringify(LIGHT));
      await Promise.all([deliver(first.info), deliver(first.info)]);
      const a = await waitForEnd(ctx, runIdForUpload(first.info.bucket, first.info.name, first.info.generation));
      await deliver(first.info);
      await sleep(1100);
      const second = await ctx.store.write(uri, JSON.stringify(LIGHT));
      await deliver(second.info);
      const b = await waitForEnd(ctx, runIdForUpload(second.info.bucket, second.info.name, second.info.generation));
      const runs = (await ctx.runs.listRuns(500)).filter((r) => r.origin.kind === 'upload' && r.origin.object === first.info.name);
      const verdict = judgeAll([a, b], expected);
      return {
        ...verdict,
        runs: runs.length,
        identical: verdict.identical && runs.length === 2 && a.runId !== b.runId,
        faultObserved: acknowledged === 4 && second.info.generation !== first.info.generation,
        evidence: `ingest acknowledged ${acknowledged} finalize events (3 for generation ${first.info.generation}, 1 for ${second.info.generation}): ${runs.length} runs`,
      };
    }),

  'kill 20%': (ctx) =>
    timed('20% of worker processes SIGKILLed mid-shard', () =>
      faulted(ctx, HEAVY, {
        during: async (runId) => {
          const target = Math.ceil(0.2 * 20);
          let sent = 0;
          while (sent < target) {
            const run = await ctx.runs.getRun(runId);
            if (run && TERMINAL_STATUSES.includes(run.status)) break;
            const res = await fetch(`${ctx.stack.localFleetUrl}/_altus/runs/${runId}/kill?count=1`, { method: 'POST' });
            sent += ((await res.json()) as { killed: number }).killed;
            await sleep(400);
          }
          return sent;
        },
        // A SIGKILL that found its pod still on its index shows as a pod failure of the Job (exit 137, retried).
        evidence: async (run, sent = 0) => {
          const landed = podFailures(await fleetView(ctx), run.runId);
          return {
            faultObserved: landed >= 1,
            evidence: `${sent} SIGKILLs sent to running pods, ${landed} landed mid-shard (index failed with 137 and retried)`,
          };
        },
      }),
    ),

  preempt: (ctx) =>
    timed('Spot preemptions with no retries left; a crash still counts', async () => {
      // retries.perShard 0: one counted pod failure fails the shard, so a run that survives
      // repeated preemptions shows they were not counted (the pod failure policy's Ignore rule).
      const strict = { ...HEAVY, name: 'chaos-preempt', retries: { perShard: 0 } };
      let preempted = 0;
      let evicted = 0;
      let nodes = 0;
      const row = await faulted(ctx, strict, {
        during: async (runId) => {
          // Two reclaims and a node-pressure eviction between them, each once a pod of the run is
          // running (a Job's `active` counts Pending pods too). Both are DisruptionTarget: not counted.
          for (const fault of ['preempt', 'evict', 'preempt'] as const) {
            for (;;) {
              const run = await ctx.runs.getRun(runId);
              if (run && TERMINAL_STATUSES.includes(run.status)) return;
              const res = await fetch(`${ctx.stack.localFleetUrl}/_altus/runs/${runId}/${fault}?count=1`, { method: 'POST' });
              const hit = (await res.json()) as { preempted?: number; evicted?: number; nodes?: string[] };
              const count = hit.preempted ?? hit.evicted ?? 0;
              if (fault === 'preempt') {
                preempted += count;
                nodes += hit.nodes?.length ?? 0;
              } else evicted += count;
              if (count > 0) break;
              await sleep(200);
            }
            await sleep(1500);
          }
        },
        evidence: (run) => ({
          faultObserved: preempted >= 2 && evicted >= 1 && run.status === 'SUCCEEDED' && run.counts.shardsFailed === 0,
          evidence: `${nodes} node shutdowns took ${preempted} running pods and ${evicted} pod was evicted (all DisruptionTarget, TerminationByKubelet); retries.perShard 0 and the run ${run.status} with ${run.counts.shardsFailed} failed shards`,
        }),
      });
      // The same budget, one crash: the real Job controller counts it and the shard fails for good.
      const crashRunId = await submit(ctx, 'crash.json', { ...strict, name: 'chaos-preempt-crash' });
      let killed = 0;
      await until(async () => {
        killed = ((await (await fetch(`${ctx.stack.localFleetUrl}/_altus/runs/${crashRunId}/kill?count=1`, { method: 'POST' })).json()) as { killed: number })
          .killed;
        return killed > 0;
      });
      const crashed = await waitForEnd(ctx, crashRunId);
      const counted = killed === 1 && crashed.counts.shardsFailed === 1;
      return {
        ...row,
        faultObserved: row.faultObserved && counted,
        evidence: `${row.evidence}; one crash (exit 137) with the same budget: ${crashed.status}, ${crashed.counts.shardsFailed} shard failed`,
      };
    }),

  'cluster lost': (ctx) => {
    let before = new Map<string, number>();
    let podsOnB = 0;
    return timed('worker cluster lost mid-run; reconcile crashed', () =>
      faulted(ctx, HEAVY, {
        before: async () => {
          resetCrashPoints(ctx.chaosDir);
          before = crashLines(ctx.stack);
          armCrashPoints(
            ctx.chaosDir,
            RECONCILE_CRASH.map((c) => c.point),
          );
        },
        during: async (runId) => {
          await until(() => active(ctx, runId, 'worker-b'));
          podsOnB = (await fleetView(ctx))
            .filter((c) => c.name === 'worker-b')
            .flatMap((c) => c.jobs)
            .filter((j) => j.runId === runId)
            .reduce((n, j) => n + (j.status.active ?? 0), 0);
          await fetch(`${ctx.stack.localFleetUrl}/_altus/clusters/worker-b/down`, { method: 'POST' });
        },
        evidence: async (run) => {
          const crashed = crashEvidence(ctx.stack, ctx.chaosDir, RECONCILE_CRASH, before);
          const moved = (run.redispatches ?? []).filter((r) => r.reason.includes('worker-b'));
          const attempts = new Set(moved.map((r) => r.attempt));
          return {
            faultObserved: podsOnB > 0 && moved.length > 0 && crashed.faultObserved,
            evidence: `worker-b down with ${podsOnB} pod(s) running; ${moved.reduce((n, r) => n + r.shards.length, 0)} shards re-dispatched over ${attempts.size} attempt(s); reconcile ${crashed.evidence}`,
          };
        },
        cleanup: async () => {
          resetCrashPoints(ctx.chaosDir);
          await fetch(`${ctx.stack.localFleetUrl}/_altus/clusters/worker-b/up`, { method: 'POST' });
        },
      }),
    );
  },

  'crash each function': crashScenario,

  'completion dropped': (ctx) =>
    timed('completion events dropped', () =>
      faulted(ctx, LIGHT, {
        before: () => ctx.proxy.install({ collect: { dropEvery: 4 } }),
        // A dropped completion was acknowledged and never forwarded: only reconcile can have recorded its shard.
        evidence: (run) => {
          const dropped = ctx.proxy.statsFor(run.runId, 'collect').dropped;
          const recovered = reconciled(ctx.stack, run.runId).recoveredFromResults;
          return {
            faultObserved: dropped >= 1 && recovered >= 1,
            evidence: `${dropped} of this run's completions dropped; reconcile recovered ${recovered} shards from their results`,
          };
        },
        cleanup: () => ctx.proxy.uninstall(),
      }),
    ),

  poison: poisonScenario,

  corpus: corpusScenario,
};

/** Scenarios quick enough for `npm test`. */
export const FAST_SCENARIOS = ['duplicate+shuffle', 'finalize twice', 'completion dropped', 'poison', 'corpus'];
