/**
 * `reconcile`: on every tick (Cloud Scheduler in the cloud, an interval in the
 * local stack) looks at every open run: recovers lost completions, records
 * failed Job indexes, re-dispatches shards lost with a cluster, enforces the
 * deadline, and re-requests an aggregation that stalled. Idempotent: two ticks
 * at once record nothing twice (shard records are create-if-absent).
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { RunDocument } from '../../shared/documents.ts';
import { reconcileRequestSchema, type AggregateRequest } from '../../shared/messages.ts';
import { decodePubSubJson } from '../pipeline/decode.ts';
import type { Dependencies } from '../pipeline/deps.ts';
import { reconcileRun, type ReconcileReport } from './reconcile-run.ts';

/** An aggregation running longer than this is requested again. */
export const STALLED_AGGREGATION_MILLISECONDS = 5 * 60_000;
/** Open runs looked at per tick (the oldest first would need an index; any 200 will do, the next tick takes others). */
const RUNS_PER_TICK = 200;

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
      runs = await deps.runs.listRunsByStatus(['RUNNING', 'AGGREGATING'], RUNS_PER_TICK);
    }
    const reports: ReconcileReport[] = [];
    for (const run of runs) {
      try {
        if (run.status === 'RUNNING') {
          const report = await reconcileRun(deps, run);
          if (report.recoveredFromResults || report.recordedFailed || report.redispatched) deps.log.info('run reconciled', { ...report });
          reports.push(report);
        } else if (run.status === 'AGGREGATING' && run.aggregatingSince && deps.now().getTime() - Date.parse(run.aggregatingSince) > STALLED_AGGREGATION_MILLISECONDS) {
          const again: AggregateRequest = { v: 1, runId: run.runId };
          await deps.bus.publish('aggregate', again);
          deps.log.warn('aggregation stalled: requested again', { runId: run.runId, since: run.aggregatingSince });
        }
      } catch (error) {
        // One run's trouble must not starve the others; the next tick tries it again.
        deps.log.error('reconcile failed for a run', { runId: run.runId, error: (error as Error).message });
      }
    }
    return reports;
  };
}
