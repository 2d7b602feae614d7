/**
 * Picks the fleet implementation from the runtime configuration: the local
 * fleet's API server, or the GKE clusters of the fleet configuration.
 */
import type { RuntimeConfig } from '../../shared/config.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import type { Fleet } from './fleet.ts';
import { containerApiLookup, gkeClusterAccess } from './gke-access.ts';
import { KubernetesFleet } from './kubernetes-fleet.ts';
import { localClusterAccess } from './local/local-access.ts';

/** The fleet of this deployment. */
export function createFleet(fleet: RuntimeConfig['fleet'], config: FleetConfig): Fleet {
  // The functions reach the private IP endpoints through their VPC connector (the master authorized networks admit its range).
  return new KubernetesFleet(fleet.kind === 'local' ? localClusterAccess(fleet.url) : gkeClusterAccess(config, containerApiLookup(undefined, 'private')));
}
