/**
 * Builds the bootstrap function's real dependencies from its environment: the
 * fleet configuration, and cluster access through the Container API with the
 * function's own identity, dialling each cluster's private IP endpoint (the
 * function egresses through the VPC connector; the DNS endpoints may be closed),
 * and the worker egress policy as the configuration's `infra.openWorkerEgress` says.
 */
import { parseRuntimeConfig } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';
import { applyBootstrap } from '../../jobs/fleet/bootstrap-apply.ts';
import { adcTokenSource, containerApiLookup, gkeClusterAccess } from '../../jobs/fleet/gke-access.ts';
import { applyEgressPolicy } from './apply-egress.ts';
import type { BootstrapDependencies } from './handler.ts';

/** The dependencies, from `process.env`. */
export function createBootstrapDependencies(env: Record<string, string | undefined> = process.env): BootstrapDependencies {
  const config = parseRuntimeConfig(env);
  const fleetConfig = loadFleetConfig(config.fleetConfigPath);
  const access = gkeClusterAccess(fleetConfig, containerApiLookup(undefined, 'private'), adcTokenSource());
  return {
    fleetConfig,
    apply: (plan) => applyBootstrap(plan, access),
    applyEgress: async (cluster) => applyEgressPolicy(await access(cluster), { namespace: fleetConfig.namespace, open: fleetConfig.infra.openWorkerEgress }),
    log: createLogger({ component: 'bootstrap', minimumSeverity: config.logLevel }),
  };
}
