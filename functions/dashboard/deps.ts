/**
 * What the dashboard is made from: narrow read-only interfaces, injected.
 * runtime.ts builds the real ones; tests build them over the emulators.
 */
import type { Logger } from '../../shared/log.ts';
import type { RunStore } from '../../shared/run-store.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import type { ShardQueries } from '../../shared/shard-queries.ts';

/** Everything the dashboard may use; nothing here writes. */
export interface DashboardDependencies {
  runs: Pick<RunStore, 'getRun' | 'listRuns'>;
  shards: ShardQueries;
  store: ObjectStore;
  log: Logger;
  /** Injectable clock (durations of runs still going). */
  now: () => Date;
  /** Region of each worker cluster, for clusters a run reached only by re-dispatch. */
  regions: Readonly<Record<string, string>>;
  /** The Google Cloud project: links to results in the Cloud Console. */
  projectId: string;
}
