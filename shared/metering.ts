/**
 * Counts of the control plane's billable operations (Pub/Sub messages published,
 * Firestore documents written, Kubernetes API requests) and the process's peak
 * memory, for the benchmarks and the chaos suite: `npm run bench` sets
 * ALTUS_METER_DIR on the stack it starts and sums what every process (functions,
 * worker pods) wrote.
 *
 * A {@link Meter} is a dependency: each process's dependency module builds one
 * from its configuration (`meterSettings` in shared/config.ts) and hands it to the
 * clients that count. Without settings it is {@link NO_METER}, which does nothing;
 * with them, {@link createMeter} rewrites `<dir>/<role>-<pid>.json` at most every
 * 200 ms, every second for its peak memory, and once more when the process exits.
 * Importing this module starts nothing.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What is counted. */
export type MeterCounter = 'pubsubMessages' | 'firestoreWrites' | 'kubernetesCalls';

/** What one process wrote. */
export interface MeterRecord {
  role: string;
  pid: number;
  counts: Partial<Record<MeterCounter, number>>;
  /** Peak resident set size of the process so far (getrusage ru_maxrss). */
  maxRssBytes: number;
  writtenAt: string;
}

/** Counts operations; clients that do billable work take one. */
export interface Meter {
  /** Adds `n` (default 1) to a counter. */
  count(counter: MeterCounter, n?: number): void;
}

/** A meter that counts nothing: the default wherever no benchmark is listening. */
export const NO_METER: Meter = { count: () => {} };

/** Where a process writes its record, and under which role (a function's name, `worker`, …). */
export interface MeterSettings {
  readonly dir: string;
  readonly role: string;
}

/** A meter that writes its record to a folder; `flush` writes it now. */
export interface FileMeter extends Meter {
  flush(): void;
}

/** The process a meter reports on; tests inject their own. */
export interface MeteredProcess {
  readonly pid: number;
  maxRssBytes(): number;
  onExit(listener: () => void): void;
}

const FLUSH_MILLISECONDS = 200;
const MEMORY_REPORT_MILLISECONDS = 1000;

/** This Node.js process. */
export const CURRENT_PROCESS: MeteredProcess = {
  get pid() {
    return process.pid;
  },
  maxRssBytes: () => process.resourceUsage().maxRSS * 1024,
  onExit: (listener) => process.on('exit', listener),
};

/** The meter of `settings`: {@link NO_METER} when there are none. */
export function createMeter(settings: MeterSettings | undefined, host: MeteredProcess = CURRENT_PROCESS, now: () => Date = () => new Date()): Meter {
  return settings ? createFileMeter(settings, host, now) : NO_METER;
}

/**
 * A meter writing `<dir>/<role>-<pid>.json`. It reports its peak memory every
 * second even when it counts nothing, and writes once more when the process exits;
 * its timers never keep the process alive.
 */
export function createFileMeter(settings: MeterSettings, host: MeteredProcess = CURRENT_PROCESS, now: () => Date = () => new Date()): FileMeter {
  const counts: Partial<Record<MeterCounter, number>> = {};
  const file = join(settings.dir, `${settings.role}-${host.pid}.json`);
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    const record: MeterRecord = { role: settings.role, pid: host.pid, counts, maxRssBytes: host.maxRssBytes(), writtenAt: now().toISOString() };
    try {
      mkdirSync(settings.dir, { recursive: true });
      writeFileSync(`${file}.tmp`, JSON.stringify(record));
      renameSync(`${file}.tmp`, file);
    } catch {
      // Metering must never break the pipeline; a missing record shows as a gap in the bench.
    }
  };
  const schedule = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      flush();
    }, FLUSH_MILLISECONDS);
    timer.unref();
  };
  host.onExit(flush);
  setInterval(schedule, MEMORY_REPORT_MILLISECONDS).unref();
  return {
    count: (counter, n = 1) => {
      counts[counter] = (counts[counter] ?? 0) + n;
      schedule();
    },
    flush,
  };
}
