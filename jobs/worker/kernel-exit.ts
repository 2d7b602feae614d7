/**
 * What happens when a custom kernel exits, or this process does first: the
 * kernel's output is read to its end within a bound (a process it left behind
 * cannot hold a shard open), and every kernel tree still running when the
 * worker exits is ended.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * Once the kernel has exited, how long its output may stay silent before the
 * shard stops waiting for the end of it: a process it left behind (one that
 * escaped its process group) can hold the pipes open for ever.
 */
export const OUTPUT_DRAIN_MILLISECONDS = 2000;

/** Every kernel tree this process is running, ended if the process exits first (hooked on the first kernel). */
const liveTrees = new Set<() => void>();
let exitHooked = false;

/** Registers a running tree's `end`, called if this process exits while it runs. */
export function trackTree(end: () => void): void {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const live of liveTrees) live();
    });
  }
  liveTrees.add(end);
}

/** The tree has ended: nothing to do for it at exit. */
export function untrackTree(end: () => void): void {
  liveTrees.delete(end);
}

/**
 * The output's end once the kernel has exited: everything it started is ended
 * at once (what it wrote is already in the pipes), then the pipes are read to
 * their end, or cut when nothing has come for {@link OUTPUT_DRAIN_MILLISECONDS}
 * while the reader was waiting (a slow consumer is not silence).
 */
export function drainAfterExit(child: ChildProcessWithoutNullStreams, endTree: () => void) {
  let waiting = false;
  let lastLine = performance.now();
  let cut = false;
  let timer: NodeJS.Timeout | undefined;
  child.once('exit', () => {
    endTree();
    timer = setInterval(() => {
      if (!waiting || performance.now() - lastLine < OUTPUT_DRAIN_MILLISECONDS) return;
      cut = true;
      clearInterval(timer);
      child.stdout.destroy();
      child.stderr.destroy();
    }, 100);
  });
  return {
    /** Passes the lines on, noting when the reader waits for the next one. */
    async *lines<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
      const iterator = source[Symbol.asyncIterator]();
      for (;;) {
        waiting = true;
        const next = await iterator.next();
        waiting = false;
        lastLine = performance.now();
        if (next.done) return;
        yield next.value;
      }
    },
    wasCut: () => cut,
    stop: () => clearInterval(timer),
  };
}
