/**
 * What handlers are made from: small interfaces, injected. `createDependencies`
 * in runtime.ts builds the real ones; tests build them over the emulators.
 */
import type { EventBus } from '../../shared/bus.ts';
import type { RuntimeConfig } from '../../shared/config.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import type { Logger } from '../../shared/log.ts';
import type { RunStore } from '../../shared/run-store.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import type { Faults } from '../../shared/faults.ts';
import type { Fleet } from '../../jobs/fleet/fleet.ts';

/** Everything a handler may use. */
export interface Dependencies {
  runs: RunStore;
  bus: EventBus;
  store: ObjectStore;
  fleet: Fleet;
  fleetConfig: FleetConfig;
  config: Pick<RuntimeConfig, 'projectId' | 'buckets' | 'handlerTimeoutMilliseconds' | 'reconcileGraceMilliseconds' | 'stalledJobMilliseconds'> &
    Partial<Pick<RuntimeConfig, 'manifestUriPrefixes'>>;
  log: Logger;
  /** Injectable clock (ISO timestamps on documents). */
  now: () => Date;
  /** Crash points for the chaos suite (no-ops unless armed). */
  faults: Faults;
}
