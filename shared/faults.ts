/**
 * Fault injection for the chaos suite: named crash points inside handlers,
 * between their writes. Off unless the runtime configuration names points
 * (`ALTUS_CHAOS_CRASH_ONCE`, local stack only); each named point kills the
 * process once — as an instance dying mid-request would — and a marker file
 * keeps it from firing again after the restart.
 */
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** Crash points the handlers declare; the names the chaos suite may arm. */
export const CRASH_POINTS = [
  'start-run.after-create',
  'start-run.after-plan',
  'start-run.after-dispatch',
  'dispatch.after-create-job',
  'collect.after-record',
  'aggregate.after-compose',
  'aggregate.after-finish',
  'reconcile.after-redispatch',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Where handlers may be made to crash. */
export interface Faults {
  crashPoint(point: CrashPoint): void;
}

/** No faults: production. */
export const NO_FAULTS: Faults = { crashPoint: () => undefined };

/** Crashes once at each armed point; `markerDir` remembers which already fired (across restarts). */
export function crashOnce(points: readonly string[], markerDir: string, exit: (code: number) => never = process.exit): Faults {
  const armed = new Set(points);
  mkdirSync(markerDir, { recursive: true });
  return {
    crashPoint(point) {
      if (!armed.has(point)) return;
      try {
        closeSync(openSync(join(markerDir, point), 'wx'));
      } catch {
        return; // fired before
      }
      process.stderr.write(`chaos: crashing at ${point}\n`);
      exit(137);
    },
  };
}
