/**
 * Builds the dashboard's real dependencies from its environment (the one file
 * that constructs its clients): Firestore for runs and shard records, the
 * results store, the fleet configuration's regions. Fails fast with a typed error.
 */
import { createFirestore, createObjectStore } from '../../shared/clients.ts';
import { parseRuntimeConfig } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { createLogger } from '../../shared/log.ts';
import { FirestoreRunStore } from '../../shared/run-store.ts';
import type { DashboardDependencies } from './deps.ts';
import { FirestoreShardQueries } from '../../shared/shard-queries.ts';

/** The dashboard's dependencies, from `process.env`. */
export function createDashboardDependencies(env: Record<string, string | undefined> = process.env): DashboardDependencies {
  const config = parseRuntimeConfig(env);
  const fleet = loadFleetConfig(config.fleetConfigPath);
  const db = createFirestore({
    projectId: config.projectId,
    ...(config.firestoreEmulatorHost ? { firestoreEmulatorHost: config.firestoreEmulatorHost } : {}),
  });
  return {
    runs: new FirestoreRunStore(db),
    shards: new FirestoreShardQueries(db),
    store: createObjectStore(config.storage),
    log: createLogger({ component: 'dashboard', minimumSeverity: config.logLevel }),
    now: () => new Date(),
    regions: Object.fromEntries(fleet.clusters.map((c) => [c.name, c.region])),
    projectId: config.projectId,
  };
}
