/**
 * A pool of warm worker processes (process start costs ~0.1 s here, plus the
 * TypeScript loader): the local fleet's "nodes". Each process runs one index at
 * a time; a process that dies mid-index reports exit 137 (as a killed container
 * would) and is replaced.
 *
 * Waiting indexes are served round-robin across Jobs, not first come first
 * served: a Job asks for up to its parallelism (thousands) at once, and a small
 * run submitted after a big one must not wait for the whole big run, much as a
 * real fleet's scheduler and autoscaler keep several Jobs progressing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WORKER_HEAP_MEGABYTES } from '../job-builder.ts';

const POD_HOST = fileURLToPath(new URL('./pod-host.ts', import.meta.url));

/** How an index ended. */
export interface PodExit {
  exitCode: number;
  /** Set when the process died (killed) rather than returning. */
  signal?: string;
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  /** Handed to an acquirer that has not yet sent its index: no one else may take it. */
  reserved?: boolean;
  busy?: { id: number; resolve: (exit: PodExit) => void; pid: number };
}

/** Runs indexes on at most `size` warm processes. */
export class PodPool {
  private readonly slots: Slot[] = [];
  /** Waiting acquirers by group (a Job), and the groups in round-robin order. */
  private readonly waiting = new Map<string, Array<(slot: Slot) => void>>();
  private readonly turns: string[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // Each pod process leads a process group of its own, so killing the pod kills everything it started (killGroup).
    const child = fork(POD_HOST, [], {
      execArgv: [`--max-old-space-size=${WORKER_HEAP_MEGABYTES}`, '--import', 'tsx'],
      env: { ...process.env, ALTUS_METER_ROLE: 'worker' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
      detached: true,
    });
    let markReady!: () => void;
    const slot: Slot = { child, ready: new Promise((r) => (markReady = r)) };
    child.on('message', (message: { ready?: boolean; id?: number; exitCode?: number }) => {
      if (message.ready) return markReady();
      if (slot.busy && message.id === slot.busy.id) {
        const { resolve } = slot.busy;
        slot.busy = undefined;
        resolve({ exitCode: message.exitCode ?? 1 });
        this.release(slot);
      }
    });
    // A send to a process that is dying fails with EPIPE as an 'error' event: without a
    // listener that would take the whole local fleet down. The 'exit' below settles the index.
    child.on('error', (error) => process.stderr.write(`local fleet: pod process ${child.pid}: ${error.message}\n`));
    child.on('exit', (code, signal) => {
      const busy = slot.busy;
      slot.busy = undefined;
      this.idle = this.idle.filter((s) => s !== slot);
      const index = this.slots.indexOf(slot);
      if (index >= 0 && !this.closed) {
        const replacement = this.spawn();
        this.slots[index] = replacement;
        // The replacement releases itself once ready (spawn): a second release here handed it to two waiters.
        // As a container runtime reports it: 128 + the signal's number for a killed process (137 SIGKILL, 143 SIGTERM).
        if (busy) busy.resolve({ exitCode: signal ? 128 + (constants.signals[signal] ?? 9) : (code ?? 1), ...(signal ? { signal } : {}) });
      } else if (busy) {
        busy.resolve({ exitCode: 137, signal: signal ?? 'SIGTERM' });
      }
    });
    void slot.ready.then(() => this.release(slot));
    return slot;
  }

  private idle: Slot[] = [];

  /**
   * Offers a free slot to the next waiter, or parks it as idle. The slot is
   * reserved at once: its waiter only marks it busy a microtask later, and any
   * release in between must not hand the same slot to a second waiter (whose
   * index would then never hear back, leaving its Job RUNNING for ever).
   */
  private release(slot: Slot): void {
    if (this.closed || !this.slots.includes(slot) || slot.busy || slot.reserved) return;
    const next = this.nextWaiting();
    if (next) {
      slot.reserved = true;
      next(slot);
    } else if (!this.idle.includes(slot)) this.idle.push(slot);
  }

  /** The first waiter of the group whose turn it is; that group goes to the back of the line. */
  private nextWaiting(): ((slot: Slot) => void) | undefined {
    while (this.turns.length) {
      const group = this.turns.shift()!;
      const queue = this.waiting.get(group)!;
      const next = queue.shift();
      if (queue.length) this.turns.push(group);
      else this.waiting.delete(group);
      if (next) return next;
    }
    return undefined;
  }

  private acquire(group: string): Promise<Slot> {
    const slot = this.idle.shift();
    if (slot) {
      slot.reserved = true;
      return Promise.resolve(slot);
    }
    return new Promise((resolve) => {
      let queue = this.waiting.get(group);
      if (!queue) {
        queue = [];
        this.waiting.set(group, queue);
        this.turns.push(group);
      }
      queue.push(resolve);
    });
  }

  /**
   * Runs one index with `env` and the container's `args`; `onStart` receives the
   * pid (to kill it for deletion or chaos). `group` (the Job) is the unit of
   * round-robin fairness.
   */
  async run(env: Record<string, string>, args: readonly string[], onStart?: (pid: number) => void, group = ''): Promise<PodExit> {
    let slot = await this.acquire(group);
    // A slot whose process died while reserved has been replaced: wait for another.
    while (!slot.child.connected || !this.slots.includes(slot)) {
      slot.reserved = false;
      slot = await this.acquire(group);
    }
    const id = this.nextId++;
    return new Promise<PodExit>((resolve) => {
      slot.reserved = false;
      slot.busy = { id, resolve, pid: slot.child.pid ?? -1 };
      onStart?.(slot.child.pid ?? -1);
      // The process may die between the connected check and the write: make sure it is
      // gone, so its 'exit' reports the index as a lost pod (137) rather than never.
      slot.child.send({ id, env, args }, (error) => {
        if (error) slot.child.kill('SIGKILL');
      });
    });
  }

  /** Signals the process group running an index (as a container runtime stops a container: everything in it). */
  kill(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    const slot = this.slots.find((s) => s.child.pid === pid);
    if (!slot) return;
    try {
      process.kill(-pid, signal);
    } catch {
      slot.child.kill(signal);
    }
  }

  /** Stops every process. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
            s.child.once('exit', () => resolve());
            this.kill(s.child.pid ?? -1, 'SIGKILL');
          }),
      ),
    );
  }
}
