/**
 * `altus cancel <runId> [--cloud]`: marks the run CANCELLED (so dispatch and
 * reconcile create nothing more), publishes its run-finished event when this
 * cancel is the one that ended it, then deletes its Jobs on every worker cluster.
 */
import type { Command } from 'commander';
import { createPubSubBus, type EventBus } from '../../shared/bus.ts';
import { type CloudEndpoints, createFirestore, createPubSub } from '../../shared/clients.ts';
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';
import type { RunStatus } from '../../shared/documents.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { announceFinished, owesAnnouncement, UNANNOUNCED } from '../../functions/pipeline/announce.ts';
import { FirestoreRunStore, type RunStore } from '../../shared/run-store.ts';
import type { Fleet } from '../../jobs/fleet/fleet.ts';
import { gkeClusterAccess } from '../../jobs/fleet/gke-access.ts';
import { LABELS } from '../../jobs/fleet/job-builder.ts';
import { KubernetesFleet } from '../../jobs/fleet/kubernetes-fleet.ts';
import { localClusterAccess } from '../../jobs/fleet/local/local-access.ts';
import { EXIT, exitCodeFor, UsageError } from './exit-codes.ts';
import { localClusters } from './fleet-local-commands.ts';
import { requireStack } from './stack-control.ts';

/** What cancelling needs. */
export interface CancelDependencies {
  fleet: Fleet;
  runs: RunStore;
  bus: EventBus;
  clusters: readonly string[];
  namespace: string;
  now: () => Date;
}

/** What a cancel did: the run's status, whether this cancel ended it, the Jobs deleted and the clusters that could not be asked. */
export interface CancelOutcome {
  status: RunStatus;
  cancelled: boolean;
  deletedJobs: number;
  unreachable: Array<{ cluster: string; reason: string }>;
}

/**
 * Cancels a run. The run-finished event goes out when this cancel moved the run
 * to CANCELLED, and before the Jobs are deleted: a lost cluster must not keep the
 * run's end from its subscribers. Cancelling again deletes what is left and
 * publishes nothing more (unless the first cancel died before publishing).
 */
export async function cancelRun(deps: CancelDependencies, runId: string): Promise<CancelOutcome> {
  const run = await deps.runs.getRun(runId);
  if (!run) throw new UsageError(`no run ${runId}`);
  const moved = await deps.runs.transition(runId, ['ACCEPTED', 'RUNNING', 'AGGREGATING'], {
    status: 'CANCELLED',
    error: { code: 'CANCELLED', message: `cancelled by altus cancel at ${deps.now().toISOString()}` },
    finishedAt: deps.now().toISOString(),
    ...UNANNOUNCED,
  });
  // This cancel ended the run, or an earlier one did and died before announcing it (at least once, like aggregate).
  const ended = moved ?? (run.status === 'CANCELLED' ? run : null);
  if (ended && owesAnnouncement(ended)) await announceFinished(deps, ended);
  const selector = `${LABELS.runId}=${runId}`;
  const deletions = await Promise.allSettled(deps.clusters.map((cluster) => deps.fleet.deleteJobs(cluster, deps.namespace, selector)));
  const outcome: CancelOutcome = { status: moved?.status ?? run.status, cancelled: moved !== null, deletedJobs: 0, unreachable: [] };
  deletions.forEach((d, i) => {
    if (d.status === 'fulfilled') outcome.deletedJobs += d.value;
    else outcome.unreachable.push({ cluster: deps.clusters[i]!, reason: (d.reason as Error).message });
  });
  return outcome;
}

/**
 * The exit code of `altus cancel`: 0 when it cancelled the run (the command did
 * what was asked), 3 when a cluster could not be reached (run it again), and
 * for a run that had already ended, that run's own exit code.
 */
export function cancelExitCode(outcome: CancelOutcome): number {
  if (outcome.unreachable.length) return EXIT.usage;
  return outcome.cancelled ? EXIT.succeeded : exitCodeFor(outcome.status);
}

/** Adds `cancel` to `program`. */
export function registerCancelCommand(program: Command, context: { home: string }): void {
  program
    .command('cancel <runId>')
    .description('mark a run CANCELLED, publish its run-finished event and delete its Jobs on every worker cluster (exit 0 when cancelled)')
    .option('--cloud', "act on the GKE fleet, Firestore and Pub/Sub of the fleet configuration's project instead of the local stack")
    .option('--config <file>', 'fleet configuration', DEFAULT_FLEET_CONFIG)
    .action(async (runId: string, options: { cloud?: boolean; config: string }) => {
      const config = loadFleetConfig(options.config);
      let endpoints: CloudEndpoints;
      let fleet: Fleet;
      let clusters: string[];
      if (options.cloud) {
        endpoints = { projectId: config.project };
        fleet = new KubernetesFleet(gkeClusterAccess(config));
        clusters = config.clusters.map((c) => c.name);
      } else {
        const stack = requireStack(context.home);
        endpoints = { projectId: stack.projectId, firestoreEmulatorHost: stack.firestoreEmulatorHost, pubsubEmulatorHost: stack.pubsubEmulatorHost };
        fleet = new KubernetesFleet(localClusterAccess(stack.kubeconfig));
        clusters = (await localClusters(stack.localFleetUrl)).map((c) => c.name);
      }
      const pubsub = createPubSub(endpoints);
      let result: CancelOutcome;
      try {
        const deps = { fleet, runs: new FirestoreRunStore(createFirestore(endpoints)), bus: createPubSubBus(pubsub), clusters, namespace: config.namespace };
        result = await cancelRun({ ...deps, now: () => new Date() }, runId);
      } finally {
        await pubsub.close();
      }
      process.stdout.write(
        (result.cancelled ? `run ${runId} cancelled` : `run ${runId} had already ended ${result.status}`) + `; ${result.deletedJobs} Job(s) deleted\n`,
      );
      for (const { cluster, reason } of result.unreachable) {
        process.stderr.write(
          `altus: the Jobs of run ${runId} on ${cluster} could not be deleted (${reason}); run altus cancel ${runId} again when it answers\n`,
        );
      }
      process.exitCode = cancelExitCode(result);
    });
}
