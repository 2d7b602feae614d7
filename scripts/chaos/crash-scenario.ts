/**
 * "Each function crashed once mid-handler": crash points armed between the
 * handlers' writes, once for a run started by upload (start-run in ingest, then
 * dispatch, collect, aggregate) and once for a run started by a Pub/Sub run
 * request (start-run in run-request). Each point must fire in the function
 * expected, on the run under test: armed only once the previous runs have
 * settled, with that run's own deliveries to the crashed function seen failing
 * at the proxy. Reconcile's crash point is armed by the lost-cluster scenario,
 * the one where reconcile re-dispatches.
 */
import type { RunDocument } from '../../shared/documents.ts';
import { armCrashPoints } from '../../shared/faults.ts';
import { PUSH_SUBSCRIPTIONS } from '../stack/wiring.ts';
import { crashEvidence, crashLines, resetCrashPoints, type ExpectedCrash } from './evidence.ts';
import { baseline, LIGHT, requestRun, submit, timed, until, waitForSettled, type ChaosContext } from './harness.ts';
import { judgeAll, type ChaosRow, type FaultEvidence } from './verdict.ts';

const startRun = (fn: 'ingest' | 'run-request'): ExpectedCrash[] => [
  { fn, point: 'start-run.after-create' },
  { fn, point: 'start-run.after-plan' },
  { fn, point: 'start-run.after-dispatch' },
];

/** Crashes of a run started by upload. */
export const UPLOAD_CRASHES: readonly ExpectedCrash[] = [
  ...startRun('ingest'),
  { fn: 'dispatch', point: 'dispatch.after-create-job' },
  { fn: 'collect', point: 'collect.after-record' },
  { fn: 'aggregate', point: 'aggregate.after-compose' },
  { fn: 'aggregate', point: 'aggregate.after-finish' },
];

/** Crashes of a run started by a run request. */
export const REQUEST_CRASHES: readonly ExpectedCrash[] = startRun('run-request');

/** Runs one run with `expected` armed (once `previous` settled); resolves to the run and what was seen. */
async function crashedRun(
  ctx: ChaosContext,
  previous: string,
  expected: readonly ExpectedCrash[],
  start: () => Promise<string>,
): Promise<{ run: RunDocument; seen: FaultEvidence }> {
  await waitForSettled(ctx, previous);
  // A crash point fires on the first delivery that reaches it: a straggler of an earlier run
  // (a completion from a pod of a cluster that was lost) must not take this run's crash.
  const pushed = [...new Set(expected.map((e) => e.fn).filter((fn) => fn !== 'ingest'))];
  await ctx.proxy.quiet(pushed, 3000, 60_000);
  resetCrashPoints(ctx.chaosDir);
  const before = crashLines(ctx.stack);
  armCrashPoints(
    ctx.chaosDir,
    expected.map((e) => e.point),
  );
  // Settled, not just ended: aggregate.after-finish crashes after the write that ends the run, before run-finished goes out.
  const run = await waitForSettled(ctx, await start(), 600);
  await until(async () => crashEvidence(ctx.stack, ctx.chaosDir, expected, before).faultObserved, 10).catch(() => undefined);
  const fired = crashEvidence(ctx.stack, ctx.chaosDir, expected, before);
  // Ingest is posted to directly (the local Eventarc); every other crash must show as a failed delivery of this run's messages.
  const failures = pushed.map((fn) => ({ fn, failed: ctx.proxy.statsFor(run.runId, fn).failed, crashes: expected.filter((e) => e.fn === fn).length }));
  const onThisRun = failures.every((f) => f.failed >= f.crashes);
  return {
    run,
    seen: {
      faultObserved: fired.faultObserved && onThisRun,
      evidence: `${fired.evidence}; this run's deliveries failed: ${failures.map((f) => `${f.fn} ${f.failed}${f.failed < f.crashes ? ` (fewer than its ${f.crashes} crashes)` : ''}`).join(', ')}`,
    },
  };
}

export function crashScenario(ctx: ChaosContext): Promise<ChaosRow> {
  return timed('each function crashed once mid-handler', async () => {
    const expected = await baseline(ctx, LIGHT);
    // Every push through the proxy: it sees which run's deliveries a crash failed, and holds deliveries while a function restarts.
    await ctx.proxy.install(Object.fromEntries(PUSH_SUBSCRIPTIONS.map((s) => [s.fn, { holdWhileDownMilliseconds: (s.ackDeadlineSeconds - 5) * 1000 }])));
    try {
      const upload = await crashedRun(ctx, expected.runId, UPLOAD_CRASHES, () => submit(ctx, 'crash.json', LIGHT));
      const request = await crashedRun(ctx, upload.run.runId, REQUEST_CRASHES, () => requestRun(ctx, 'chaos-crash', LIGHT));
      return {
        ...judgeAll([upload.run, request.run], expected),
        faultObserved: upload.seen.faultObserved && request.seen.faultObserved,
        evidence: `by upload ${upload.seen.evidence}; by run request ${request.seen.evidence}`,
      };
    } finally {
      resetCrashPoints(ctx.chaosDir);
      await ctx.proxy.uninstall();
    }
  });
}
