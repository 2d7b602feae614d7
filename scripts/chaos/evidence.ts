/**
 * Evidence that a fault really happened, read from where the stack leaves it:
 * crash points (the chaos folder's fired markers and the "chaos: crashing at"
 * line each crashing function writes to its own log), pod failures in the local
 * fleet's Job status, messages parked on the dead-letter topic, the peak RSS the
 * metered processes report, and what reconcile logged about a run.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PubSub, Subscription } from '@google-cloud/pubsub';
import { firedCrashPoints, type CrashPoint } from '../../shared/faults.ts';
import type { MeterRecord } from '../../shared/metering.ts';
import { STACK_FUNCTIONS, type StackFunction, type StackInfo } from '../stack/state.ts';
import type { FaultEvidence } from './verdict.ts';

/** A crash point expected to fire in one function. */
export interface ExpectedCrash {
  fn: StackFunction;
  point: CrashPoint;
}

/** Disarms every crash point and forgets which fired (the markers go, their folders stay: a handler creates markers in them). */
export function resetCrashPoints(chaosDir: string): void {
  for (const sub of ['armed', 'fired']) {
    const dir = join(chaosDir, sub);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) unlinkSync(join(dir, file));
  }
}

/** How many times each function's log says it crashed at each point ("fn point" → count). */
export function crashLines(stack: StackInfo): Map<string, number> {
  const counts = new Map<string, number>();
  for (const fn of STACK_FUNCTIONS) {
    const file = join(stack.logDir, `${fn}.log`);
    if (!existsSync(file)) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(/^chaos: crashing at (\S+)$/gm)) {
      const key = `${fn} ${match[1]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Whether every expected crash fired, in the function expected, since `before` (a `crashLines` taken when they were armed). */
export function crashEvidence(stack: StackInfo, chaosDir: string, expected: readonly ExpectedCrash[], before: Map<string, number>): FaultEvidence {
  const fired = new Set(firedCrashPoints(chaosDir));
  const after = crashLines(stack);
  const seen = (e: ExpectedCrash) => fired.has(e.point) && (after.get(`${e.fn} ${e.point}`) ?? 0) > (before.get(`${e.fn} ${e.point}`) ?? 0);
  const missing = expected.filter((e) => !seen(e));
  const list = (es: readonly ExpectedCrash[]) => es.map((e) => `${e.fn}:${e.point}`).join(', ');
  return {
    faultObserved: expected.length > 0 && missing.length === 0,
    evidence: missing.length ? `armed but never fired: ${list(missing)}` : `fired ${expected.length}/${expected.length}: ${list(expected)}`,
  };
}

/** Pod failures the local fleet counted on the Jobs of a run (each one an index that died mid-shard and was retried). */
export function podFailures(view: Array<{ jobs: Array<{ runId?: string; status: { failed?: number } }> }>, runId: string): number {
  return view
    .flatMap((c) => c.jobs)
    .filter((j) => j.runId === runId)
    .reduce((n, j) => n + (j.status.failed ?? 0), 0);
}

/** A message as the dead-letter topic holds it. */
export interface ParkedMessage {
  source?: string;
  reason?: string;
  detail?: string;
  /** The parked message's data, base64, as it came. */
  data?: string;
  attributes: Record<string, string>;
}

/** A subscription on the dead-letter topic, opened before the poison is published, that keeps everything parked. */
export class DeadLetterTap {
  readonly parked: ParkedMessage[] = [];

  private constructor(private readonly subscription: Subscription) {
    subscription.on('message', (message) => {
      message.ack();
      let body: Omit<ParkedMessage, 'attributes'> = {};
      try {
        body = JSON.parse(message.data.toString('utf8')) as Omit<ParkedMessage, 'attributes'>;
      } catch {
        // A message parked by the subscription's dead-letter policy is the original, not JSON: its attributes say where from.
      }
      this.parked.push({ ...body, attributes: message.attributes });
    });
  }

  static async open(pubsub: PubSub, topic: string): Promise<DeadLetterTap> {
    const [subscription] = await pubsub.topic(topic).createSubscription(`chaos-tap-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    return new DeadLetterTap(subscription);
  }

  async close(): Promise<void> {
    this.subscription.removeAllListeners('message');
    await this.subscription.close();
    await this.subscription.delete().catch(() => undefined);
  }
}

/** The latest meter record of every process of `role` that reported at or after `since`. */
export function meterRecords(meterDir: string, role: string, since: Date): MeterRecord[] {
  return (existsSync(meterDir) ? readdirSync(meterDir) : [])
    .filter((f) => f.startsWith(`${role}-`) && f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(meterDir, f), 'utf8')) as MeterRecord];
      } catch {
        return []; // being rewritten; its next record comes within a second
      }
    })
    .filter((r) => r.role === role && Date.parse(r.writtenAt) >= since.getTime());
}

const MB = 2 ** 20;
const statusKb = (pid: number, field: 'VmHWM' | 'VmRSS'): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]);
};

/**
 * Peak memory of one function's processes over a window. The meter's figure
 * (getrusage max RSS) is a high-water mark since the process started — and it
 * includes the supervisor's RSS at the exec — so on Linux the window starts by
 * resetting each process's kernel high-water mark (`clear_refs` 5) and ends by
 * reading it back (`VmHWM`): the peak within the window, nothing before it.
 */
export class PeakRssWindow {
  private constructor(
    private readonly pids: number[],
    /** RSS (MB) of the processes when the window opened. */
    readonly startMb: number,
    /** Whether the kernel high-water mark could be reset (otherwise the meter's since-start figure is all there is). */
    readonly exact: boolean,
    private readonly meterDir: string,
    private readonly fn: string,
    private readonly opened: Date,
  ) {}

  /** Opens a window on the live processes of `fn` (found through their meter records, confirmed by their command line). */
  static open(meterDir: string, fn: StackFunction): PeakRssWindow {
    const opened = new Date();
    const pids = meterRecords(meterDir, fn, new Date(opened.getTime() - 3000))
      .map((r) => r.pid)
      .filter((pid) => existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--target=${fn}\0`));
    try {
      if (pids.length === 0) throw new Error('no live process found');
      for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, '5');
      return new PeakRssWindow(pids, Math.max(...pids.map((p) => statusKb(p, 'VmRSS'))) / 1024, true, meterDir, fn, opened);
    } catch {
      return new PeakRssWindow([], Number.NaN, false, meterDir, fn, opened);
    }
  }

  /** The peak RSS (MB) within the window, and of how many processes (0: not measured). */
  close(): { mb: number; processes: number; exact: boolean } {
    if (this.exact) {
      try {
        return { mb: Math.max(...this.pids.map((p) => statusKb(p, 'VmHWM'))) / 1024, processes: this.pids.length, exact: true };
      } catch {
        // A process went away mid-window (restarted): fall back to what the meters say.
      }
    }
    const records = meterRecords(this.meterDir, this.fn, this.opened);
    return { mb: records.length ? Math.max(...records.map((r) => r.maxRssBytes)) / MB : Number.NaN, processes: records.length, exact: false };
  }
}

/** What reconcile's "run reconciled" log lines say it did for a run, summed. */
export function reconciled(stack: StackInfo, runId: string): { recoveredFromResults: number; redispatched: number } {
  const total = { recoveredFromResults: 0, redispatched: 0 };
  const file = join(stack.logDir, 'reconcile.log');
  if (!existsSync(file)) return total;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"run reconciled"') || !line.includes(runId)) continue;
    try {
      const entry = JSON.parse(line) as { runId?: string; recoveredFromResults?: number; redispatched?: number };
      if (entry.runId !== runId) continue;
      total.recoveredFromResults += entry.recoveredFromResults ?? 0;
      total.redispatched += entry.redispatched ?? 0;
    } catch {
      // Not a log line (the crash notice, a stack trace).
    }
  }
  return total;
}
