/**
 * `reconcile`: on every tick (Cloud Scheduler in the cloud, an interval in the
 * local stack) looks at a page of open runs (the next page each tick): recovers
 * lost completions, records failed Job indexes, re-dispatches shards lost with a
 * cluster, ends a run whose pods cannot start, enforces the deadline, re-requests
 * an aggregation that stalled, fails a run that never started, publishes a
 * run-finished event that a crash left owed, and deletes the unfinished Jobs of
 * runs that finished. Idempotent: two ticks
 * at once record nothing twice (shard records are create-if-absent).
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { TERMINAL_STATUSES, type RunDocument } from '../../shared/documents.ts';
import { reconcileRequestSchema, type AggregateRequest } from '../../shared/messages.ts';
import { announceFinished, owesAnnouncement, UNANNOUNCED } from '../pipeline/announce.ts';
import { decodePubSubJson } from '../pipeline/decode.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { cleanUpRunJobs } from './clean-up.ts';
import { reconcileRun, type ReconcileReport } from './reconcile-run.ts';

/** An aggregation running longer than this is requested again. */
export const STALLED_AGGREGATION_MILLISECONDS = 5 * 60_000;
/**
 * A run still ACCEPTED this long after its creation will not start: its start
 * event's deliveries ran out (each failure is on the run as `lastError`). It ends
 * FAILED with START_FAILED and that reason, rather than staying open for ever.
 */
export const START_TIMEOUT_MILLISECONDS = 30 * 60_000;
/** A finished run whose run-finished event is still owed this long after it finished is announced by reconcile. */
export const ANNOUNCE_GRACE_MILLISECONDS = 60_000;
/** Open runs looked at per tick: a page, in run-id order, after the previous tick's last (see {@link OPEN_RUNS_CURSOR}). */
export const RUNS_PER_TICK = 200;
/**
 * Where the previous tick's page of open runs ended. Each tick takes the next
 * page and the cursor wraps after the last, so with N open runs every run is
 * looked at within ⌈N / RUNS_PER_TICK⌉ + 1 ticks, however many there are.
 */
export const OPEN_RUNS_CURSOR = 'reconcile-open-runs';

/** Creates the reconcile handler. */
export function createReconcileHandler(deps: Dependencies) {
  return async (event: CloudEvent<unknown>): Promise<ReconcileReport[]> => {
    // Undecodable messages throw UndecodableMessageError: the poison guard parks them.
    const request = decodePubSubJson(event, reconcileRequestSchema);
    let runs: RunDocument[];
    if (request.runId) {
      const run = await deps.runs.getRun(request.runId);
      runs = run ? [run] : [];
    } else {
      runs = await openRunsPage(deps);
      runs.push(...(await deps.runs.listUnannounced(RUNS_PER_TICK)));
    }
    const reports: ReconcileReport[] = [];
    const now = deps.now().getTime();
    for (const run of runs) {
      try {
        if (TERMINAL_STATUSES.includes(run.status)) {
          if (owesAnnouncement(run) && now - Date.parse(run.finishedAt ?? run.createdAt) > ANNOUNCE_GRACE_MILLISECONDS) {
            await announceFinished(deps, run);
            deps.log.warn('run-finished was owed (the finishing handler died before publishing it): published', { runId: run.runId, status: run.status });
          }
        } else if (run.status === 'ACCEPTED') {
          if (now - Date.parse(run.createdAt) > START_TIMEOUT_MILLISECONDS) await failStart(deps, run);
        } else if (run.status === 'RUNNING') {
          const report = await reconcileRun(deps, run);
          if (report.recoveredFromResults || report.recordedFailed || report.redispatched) deps.log.info('run reconciled', { ...report });
          reports.push(report);
        } else if (
          run.status === 'AGGREGATING' &&
          run.aggregatingSince &&
          deps.now().getTime() - Date.parse(run.aggregatingSince) > STALLED_AGGREGATION_MILLISECONDS
        ) {
          const again: AggregateRequest = { v: 1, runId: run.runId };
          await deps.bus.publish('aggregate', again);
          deps.log.warn('aggregation stalled: requested again', { runId: run.runId, since: run.aggregatingSince });
        }
      } catch (error) {
        // One run's trouble must not starve the others; the next tick tries it again.
        deps.log.error('reconcile failed for a run', { runId: run.runId, error: (error as Error).message });
      }
    }
    await cleanUpFinishedRuns(deps, request.runId);
    return reports;
  };
}

/** Deletes the unfinished Jobs of runs that reached a terminal status (clean-up.ts); a failure waits for the next tick. */
async function cleanUpFinishedRuns(deps: Dependencies, runId: string | undefined): Promise<void> {
  const one = runId ? await deps.runs.getRun(runId) : undefined;
  const runs = one ? [one] : runId ? [] : await deps.runs.listUncleaned(RUNS_PER_TICK);
  for (const run of runs) {
    if (!TERMINAL_STATUSES.includes(run.status) || run.fleetCleanedUp !== false) continue;
    try {
      await cleanUpRunJobs(deps, run);
    } catch (error) {
      deps.log.error('clean-up failed for a run', { runId: run.runId, error: (error as Error).message });
    }
  }
}

/**
 * The next page of open runs, in run-id order after the cursor, wrapping around
 * to the first runs when the end comes before the page is full (the page never
 * holds a run twice), and the cursor moved to its last run.
 */
async function openRunsPage(deps: Dependencies): Promise<RunDocument[]> {
  const open = ['ACCEPTED', 'RUNNING', 'AGGREGATING'] as const;
  const after = await deps.runs.readCursor(OPEN_RUNS_CURSOR);
  const page = await deps.runs.listRunsByStatus(open, RUNS_PER_TICK, after);
  if (page.length < RUNS_PER_TICK && after !== undefined) {
    const wrapped = await deps.runs.listRunsByStatus(open, RUNS_PER_TICK - page.length);
    page.push(...wrapped.filter((r) => r.runId <= after));
  }
  // Written only when it moves: with fewer open runs than a page it stays unset and costs no write a tick.
  const next = page.length === RUNS_PER_TICK ? page.at(-1)!.runId : undefined;
  if (next !== after) await deps.runs.writeCursor(OPEN_RUNS_CURSOR, next);
  return page;
}

/** Ends a run that never started: FAILED, START_FAILED, with the last handler error as the reason. */
async function failStart(deps: Dependencies, run: RunDocument): Promise<void> {
  const minutes = START_TIMEOUT_MILLISECONDS / 60_000;
  const cause = run.lastError ? `; the last attempt failed in ${run.lastError.source}: ${run.lastError.message}` : '';
  const failed = await deps.runs.transition(run.runId, ['ACCEPTED'], {
    status: 'FAILED',
    error: {
      code: 'START_FAILED',
      message: `the run did not start within ${minutes} minutes of its upload or request${cause}. Fix the cause and submit it again.`,
    },
    finishedAt: deps.now().toISOString(),
    ...UNANNOUNCED,
  });
  if (!failed) return;
  deps.log.error('run never started: FAILED with START_FAILED', { runId: run.runId, lastError: run.lastError?.message });
  await announceFinished(deps, failed);
}
