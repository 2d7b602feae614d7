/**
 * Picks the fleet implementation from the runtime configuration: the local
 * fleet's API server, or the GKE clusters of the fleet configuration.
 *
 * The Kubernetes and Container API clients are loaded on the first fleet call
 * (or `connect`, which dispatch makes as its instance starts), not at import:
 * only dispatch and reconcile talk to clusters, and the two libraries add about
 * 130 MB to every other function's resident memory.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { RuntimeConfig } from '../../shared/config.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import { NO_METER, type Meter } from '../../shared/metering.ts';
import type { Fleet } from './fleet.ts';

/** The fleet of this deployment. */
export function createFleet(fleet: RuntimeConfig['fleet'], config: FleetConfig, meter: Meter = NO_METER): Fleet {
  let real: Promise<Fleet> | undefined;
  const load = (): Promise<Fleet> =>
    (real ??= (async () => {
      const [{ KubernetesFleet }, { containerApiLookup, gkeClusterAccess }, { localClusterAccess }] = await Promise.all([
        import('./kubernetes-fleet.ts'),
        import('./gke-access.ts'),
        import('./local/local-access.ts'),
      ]);
      // The functions reach the private IP endpoints through their VPC connector (the master authorized networks admit its range).
      return new KubernetesFleet(
        fleet.kind === 'local' ? localClusterAccess(fleet.kubeconfig, fleet.user) : gkeClusterAccess(config, containerApiLookup(undefined, 'private')),
        undefined,
        meter,
      );
    })());
  return {
    // Loading the clients is most of a cold instance's first fleet call (1.3 s of a 1M grid's dispatch): connecting loads them too.
    connect: async (clusters: readonly string[]) => {
      try {
        await (await load()).connect?.(clusters);
      } catch {
        // A warm-up never fails an instance: the first real call loads again and reports.
      }
    },
    createJob: async (cluster: string, job: V1Job) => (await load()).createJob(cluster, job),
    listJobs: async (cluster: string, namespace: string, labelSelector: string) => (await load()).listJobs(cluster, namespace, labelSelector),
    deleteJobs: async (cluster: string, namespace: string, labelSelector: string) => (await load()).deleteJobs(cluster, namespace, labelSelector),
    deleteJob: async (cluster: string, namespace: string, name: string) => (await load()).deleteJob(cluster, namespace, name),
    listPods: async (cluster: string, namespace: string, labelSelector: string) => (await load()).listPods(cluster, namespace, labelSelector),
    listEvents: async (cluster: string, namespace: string, fieldSelector: string) => (await load()).listEvents(cluster, namespace, fieldSelector),
  };
}
