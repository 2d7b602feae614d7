/**
 * "Each function crashed once mid-handler": crash points armed between the
 * handlers' writes, once for a run started by upload (start-run in ingest, then
 * dispatch, collect, aggregate) and once for a run started by a Pub/Sub run
 * request (start-run in run-request). A point that was armed but never fired in
 * the function expected fails the row. Reconcile's crash point is armed by the
 * lost-cluster scenario, the one where reconcile re-dispatches.
 */
import type { RunDocument } from '../../shared/documents.ts';
import { armCrashPoints } from '../../shared/faults.ts';
import { crashEvidence, crashLines, resetCrashPoints, type ExpectedCrash } from './evidence.ts';
import { baseline, LIGHT, requestRun, submit, timed, until, waitForEnd, type ChaosContext } from './harness.ts';
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

/** Runs one run with `expected` armed; resolves to the run and what fired. */
async function crashedRun(ctx: ChaosContext, expected: readonly ExpectedCrash[], start: () => Promise<string>): Promise<{ run: RunDocument; fired: FaultEvidence }> {
  resetCrashPoints(ctx.chaosDir);
  const before = crashLines(ctx.stack);
  armCrashPoints(ctx.chaosDir, expected.map((e) => e.point));
  const run = await waitForEnd(ctx, await start());
  // aggregate.after-finish crashes just after the write that ended the run: give its notice a moment to land.
  await until(async () => crashEvidence(ctx.stack, ctx.chaosDir, expected, before).faultObserved, 10).catch(() => undefined);
  return { run, fired: crashEvidence(ctx.stack, ctx.chaosDir, expected, before) };
}

export function crashScenario(ctx: ChaosContext): Promise<ChaosRow> {
  return timed('each function crashed once mid-handler', async () => {
    const expected = await baseline(ctx, LIGHT);
    try {
      const upload = await crashedRun(ctx, UPLOAD_CRASHES, () => submit(ctx, 'crash.json', LIGHT));
      const request = await crashedRun(ctx, REQUEST_CRASHES, () => requestRun(ctx, 'chaos-crash', LIGHT));
      return {
        ...judgeAll([upload.run, request.run], expected),
        faultObserved: upload.fired.faultObserved && request.fired.faultObserved,
        evidence: `by upload ${upload.fired.evidence}; by run request ${request.fired.evidence}`,
      };
    } finally {
      resetCrashPoints(ctx.chaosDir);
    }
  });
}
