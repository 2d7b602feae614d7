/**
 * `dispatch`: creates the Indexed Job of one (run, cluster, attempt) on its
 * worker cluster. The Job name is deterministic, so a redelivered message gets
 * 409 and is done. A refusal (403, 422) fails the run with DISPATCH_FAILED;
 * transient errors are rethrown for redelivery.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { topicName } from '../../shared/bus.ts';
import { isCustomKernel } from '../../shared/custom-kernel.ts';
import { TERMINAL_STATUSES } from '../../shared/documents.ts';
import { dispatchMessageSchema } from '../../shared/messages.ts';
import { FleetRequestError } from '../../jobs/fleet/fleet.ts';
import { buildJob, shardListUri } from '../../jobs/fleet/job-builder.ts';
import { formatShardList } from '../../shared/shard-list.ts';
import { readRunPlan } from '../../shared/run-plan.ts';
import { announceFinished, owesAnnouncement, UNANNOUNCED } from '../pipeline/announce.ts';
import { decodePubSubJson } from '../pipeline/decode.ts';
import type { Dependencies } from '../pipeline/deps.ts';

/** Whole seconds from `now` to the run's deadline, at most the manifest's deadline (all of it when the run has none yet). */
export function secondsLeft(deadlineAt: string | undefined, now: Date, deadlineSeconds: number): number {
  if (deadlineAt === undefined) return deadlineSeconds;
  return Math.min(deadlineSeconds, Math.floor((Date.parse(deadlineAt) - now.getTime()) / 1000));
}

/** Creates the dispatch handler. */
export function createDispatchHandler(deps: Dependencies) {
  return async (event: CloudEvent<unknown>): Promise<'created' | 'exists' | 'skipped' | 'failed'> => {
    // Undecodable messages throw UndecodableMessageError: the poison guard parks them.
    const message = decodePubSubJson(event, dispatchMessageSchema);
    const log = deps.log.with({ runId: message.runId, cluster: message.cluster });
    // Where a dispatch's time goes, in the "job created" line: it is the start of every run's critical path.
    const received = deps.now().getTime();
    const published = event.time ? Date.parse(event.time) : Number.NaN;
    const timings: Record<string, number> = Number.isFinite(published) ? { deliveryMilliseconds: Math.max(0, received - published) } : {};
    const run = await deps.runs.getRun(message.runId);
    if (!run?.planUri) {
      log.error('dispatch for a run that has no plan: skipped');
      return 'skipped';
    }
    if (TERMINAL_STATUSES.includes(run.status)) {
      log.info('run already finished: dispatch skipped', { status: run.status });
      // An earlier delivery failed the run (DISPATCH_FAILED) and died before announcing it.
      if (run.error?.code === 'DISPATCH_FAILED' && owesAnnouncement(run)) await announceFinished(deps, run);
      return 'skipped';
    }
    const cluster = deps.fleetConfig.clusters.find((c) => c.name === message.cluster);
    if (!cluster) {
      log.error('dispatch names a cluster missing from the fleet configuration', { cluster: message.cluster });
      return 'skipped';
    }
    const plan = readRunPlan(await deps.store.read(run.planUri), run.planUri);
    timings.runAndPlanMilliseconds = deps.now().getTime() - received;
    // A Job gets the time left to the run's deadline, not a fresh one: a re-dispatch late in the run must not outlive it.
    const deadlineSeconds = secondsLeft(run.deadlineAt, deps.now(), plan.manifest.deadlineSeconds);
    if (deadlineSeconds <= 0) {
      log.warn('run is past its deadline: dispatch skipped (reconcile records the missing shards)', { deadlineAt: run.deadlineAt, attempt: message.attempt });
      return 'skipped';
    }
    const job = buildJob({
      fleet: deps.fleetConfig,
      cluster,
      runId: message.runId,
      attempt: message.attempt,
      shards: message.shards,
      planUri: run.planUri,
      projectId: deps.config.projectId,
      completionsTopic: topicName(deps.config.projectId, 'completions'),
      retriesPerShard: plan.manifest.retries.perShard,
      deadlineSeconds,
      rowsPerShard: plan.shardSize,
      ...(isCustomKernel(plan.manifest.kernel) ? { customKernel: plan.manifest.kernel } : {}),
      ...(plan.manifest.resources?.gpu ? { gpu: plan.manifest.resources.gpu } : {}),
    });
    if ('list' in message.shards) {
      // Before the Job: its pods read their shard from it. The same (run, cluster, attempt) always writes the same list.
      const uri = shardListUri(run.planUri, message.runId, job.metadata!.name!);
      await deps.store.write(uri, formatShardList(message.shards.list), { contentType: 'text/plain' });
    }
    try {
      const asked = deps.now().getTime();
      const outcome = await deps.fleet.createJob(cluster.name, job);
      timings.createJobMilliseconds = deps.now().getTime() - asked;
      deps.faults.crashPoint('dispatch.after-create-job');
      log.info(outcome === 'created' ? 'job created' : 'job already exists', { job: job.metadata?.name, completions: job.spec?.completions, ...timings });
      return outcome;
    } catch (error) {
      if (!(error instanceof FleetRequestError)) throw error;
      log.error('job refused by the cluster', { job: job.metadata?.name, status: error.status, reason: error.message });
      const failed = await deps.runs.transition(message.runId, ['ACCEPTED', 'RUNNING'], {
        status: 'FAILED',
        error: { code: 'DISPATCH_FAILED', message: error.message },
        finishedAt: deps.now().toISOString(),
        ...UNANNOUNCED,
      });
      if (failed) await announceFinished(deps, failed);
      return 'failed';
    }
  };
}
