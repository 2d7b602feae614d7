/**
 * Builds the real dependencies of a function from its environment: the one file
 * that constructs clients. Fails fast at start with a typed error.
 */
import { createPubSubBus } from '../../shared/bus.ts';
import { createFirestore, createObjectStore, createPubSub } from '../../shared/clients.ts';
import { parseRuntimeConfig } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { chaosFaults, NO_FAULTS } from '../../shared/faults.ts';
import { createMeter } from '../../shared/metering.ts';
import { createLogger } from '../../shared/log.ts';
import { FirestoreRunStore } from '../../shared/run-store.ts';
import { createFleet } from '../../jobs/fleet/create-fleet.ts';
import type { Dependencies } from './deps.ts';

/**
 * Functions that call the worker clusters reach them as the instance starts: dispatch's
 * first request is on a run's critical path, and reconcile's first tick with a run in
 * flight otherwise loads the Kubernetes clients in the middle of it (about 2 CPU-seconds
 * here, taken from the pods of a two-core machine).
 */
const REACH_CLUSTERS_AT_START = new Set(['dispatch', 'reconcile']);

/** The dependencies of the function `component`, from `process.env`. */
export async function createDependencies(component: string, env: Record<string, string | undefined> = process.env): Promise<Dependencies> {
  const config = parseRuntimeConfig(env);
  const fleetConfig = loadFleetConfig(config.fleetConfigPath);
  const endpoints = {
    projectId: config.projectId,
    ...(config.firestoreEmulatorHost ? { firestoreEmulatorHost: config.firestoreEmulatorHost } : {}),
    ...(config.pubsubEmulatorHost ? { pubsubEmulatorHost: config.pubsubEmulatorHost } : {}),
  };
  // One meter per process, started here and not at import (a no-op unless the benchmarks set ALTUS_METER_DIR).
  const meter = createMeter(config.meter);
  const fleet = createFleet(config.fleet, fleetConfig, meter);
  if (REACH_CLUSTERS_AT_START.has(component)) void fleet.connect?.(fleetConfig.clusters.map((c) => c.name));
  return {
    runs: new FirestoreRunStore(createFirestore(endpoints), meter),
    bus: createPubSubBus(createPubSub(endpoints), meter),
    store: createObjectStore(config.storage),
    fleet,
    fleetConfig,
    config,
    log: createLogger({ component, minimumSeverity: config.logLevel }),
    now: () => new Date(),
    faults: config.chaosDir ? chaosFaults(config.chaosDir) : NO_FAULTS,
  };
}
