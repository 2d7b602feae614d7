/**
 * Fault injection for the chaos suite: named crash points inside handlers,
 * between their writes. Off unless the runtime configuration names a chaos
 * folder (local stack only). A point is armed by creating `<dir>/armed/<point>`;
 * it then kills the process once — as an instance dying mid-request would — and
 * `<dir>/fired/<point>` keeps it from firing again after the restart.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
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

/** Crashes once at each point armed under `dir`. */
export function chaosFaults(dir: string, exit: (code: number) => never = process.exit): Faults {
  mkdirSync(join(dir, 'armed'), { recursive: true });
  mkdirSync(join(dir, 'fired'), { recursive: true });
  return {
    crashPoint(point) {
      if (!existsSync(join(dir, 'armed', point))) return;
      try {
        closeSync(openSync(join(dir, 'fired', point), 'wx'));
      } catch {
        return; // fired before
      }
      process.stderr.write(`chaos: crashing at ${point}\n`);
      exit(137);
    },
  };
}

/** Arms crash points (the chaos suite's side). */
export function armCrashPoints(dir: string, points: readonly CrashPoint[]): void {
  mkdirSync(join(dir, 'armed'), { recursive: true });
  for (const point of points) closeSync(openSync(join(dir, 'armed', point), 'w'));
}

/** Which armed points have fired. */
export function firedCrashPoints(dir: string): CrashPoint[] {
  return CRASH_POINTS.filter((p) => existsSync(join(dir, 'fired', p)));
}
