/**
 * Counts of the control plane's billable operations (Pub/Sub messages published,
 * Firestore documents written, Kubernetes API requests) and the process's peak
 * memory, for the benchmarks: `npm run bench` sets ALTUS_METER_DIR on the stack it
 * starts and sums what every process (functions, local fleet, worker pods) wrote.
 *
 * Off unless ALTUS_METER_DIR is set: then `count` is an integer add on a map and
 * nothing is written. On, each process rewrites `<dir>/<role>-<pid>.json` at most
 * every 200 ms and once more when it exits; its role is ALTUS_METER_ROLE, which the
 * local stack sets per process.
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

const FLUSH_MILLISECONDS = 200;
const dir = process.env.ALTUS_METER_DIR;
const counts: Partial<Record<MeterCounter, number>> = {};
let timer: NodeJS.Timeout | undefined;
let exitHooked = false;

/** Adds `n` to a counter (no-op unless metering is on). */
export function count(counter: MeterCounter, n = 1): void {
  if (!dir) return;
  counts[counter] = (counts[counter] ?? 0) + n;
  schedule();
}

// A process the stack names (ALTUS_METER_ROLE: a function, the local fleet, a worker pod)
// reports its peak memory every second even when it counts nothing.
if (dir && process.env.ALTUS_METER_ROLE) setInterval(schedule, 1000).unref();

function schedule(): void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flush);
  }
  if (timer) return;
  timer = setTimeout(() => {
    timer = undefined;
    flush();
  }, FLUSH_MILLISECONDS);
  timer.unref();
}

function flush(): void {
  if (!dir) return;
  const role = process.env.ALTUS_METER_ROLE ?? 'process';
  const record: MeterRecord = {
    role,
    pid: process.pid,
    counts,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    writtenAt: new Date().toISOString(),
  };
  try {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${role}-${process.pid}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
  } catch {
    // Metering must never break the pipeline; a missing record shows as a gap in the bench.
  }
}
