/**
 * The run-finished event, published at least once per finish. Every transition
 * to a terminal status writes `runFinishedPublished: false` with it
 * ({@link UNANNOUNCED}); whoever won that transition publishes and then marks the
 * run announced, guarded on the status it announced (a run re-opened by a retry
 * meanwhile keeps its flag for its next finish). A crash between the two leaves
 * the flag false: a redelivery, or reconcile's sweep of unannounced runs,
 * publishes it then. Consumers key on `runId` (and `status`): a second copy is
 * possible, a missing one is not.
 */
import type { RunDocument, RunStatus } from '../../shared/documents.ts';
import type { RunFinished } from '../../shared/messages.ts';
import type { Dependencies } from './deps.ts';

/**
 * Part of every terminal transition's patch: the finish is not announced yet, and
 * the run's unfinished Jobs are not deleted yet (reconcile does it, clean-up.ts).
 */
export const UNANNOUNCED = { runFinishedPublished: false, fleetCleanedUp: false } as const;

/** Publishes run-finished for `run` (terminal) and marks it announced. */
export async function announceFinished(deps: Pick<Dependencies, 'bus' | 'runs'>, run: RunDocument): Promise<void> {
  const event: RunFinished = {
    v: 1,
    runId: run.runId,
    status: run.status as RunFinished['status'],
    counts: { ...run.counts },
    ...(run.results ? { resultsUri: run.results.uri } : {}),
  };
  await deps.bus.publish('runFinished', event);
  await deps.runs.transition(run.runId, [run.status as RunStatus], { runFinishedPublished: true });
}

/** Whether a finished run still owes its run-finished event (not known to be published). */
export function owesAnnouncement(run: RunDocument): boolean {
  return run.runFinishedPublished !== true;
}
