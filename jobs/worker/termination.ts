/**
 * Stopping on SIGTERM. The kubelet sends SIGTERM when a pod must stop (a Spot
 * reclaim's graceful node shutdown, an eviction, a deleted Job) and SIGKILL when
 * the grace period ends. The worker runs as the container's PID 1, which the
 * kernel shields from every signal it has no handler for, so without this
 * handler a SIGTERM is ignored and the pod always dies by SIGKILL.
 *
 * On SIGTERM the shard's work is abandoned: a custom kernel's command gets
 * SIGTERM too, no completion or failure is published (a stopped shard did not
 * fail: the Job runs its index again and the pod failure policy does not count
 * a disruption), and objects are only ever written whole (GCS finalizes an
 * upload at its end, the folder store renames), so nothing half-written is left
 * for a reader. The process exits before the grace period ends.
 */

/** Exit code of a worker stopped by SIGTERM (128 + 15, as a shell reports it): retryable. */
export const EXIT_TERMINATED = 143;

/** The shard was abandoned because the pod is stopping. */
export class ShardTerminatedError extends Error {
  override readonly name = 'ShardTerminatedError';
  constructor() {
    super('the pod is stopping (SIGTERM): the shard was abandoned and nothing was published');
  }
}

/** What `stopOnSigterm` needs of the process (injectable in tests). */
export interface TerminableProcess {
  once(event: 'SIGTERM', listener: () => void): unknown;
  exit(code: number): never;
}

/**
 * An AbortSignal fired by the first SIGTERM; `hardExitMilliseconds` after it the
 * process exits with {@link EXIT_TERMINATED} whatever is still running (set it
 * below the pod's terminationGracePeriodSeconds so the kubelet never needs SIGKILL).
 */
export function stopOnSigterm(
  target: TerminableProcess,
  hardExitMilliseconds: number,
  setTimer: (callback: () => void, ms: number) => { unref?: () => void } = setTimeout,
): AbortSignal {
  const controller = new AbortController();
  target.once('SIGTERM', () => {
    controller.abort(new ShardTerminatedError());
    setTimer(() => target.exit(EXIT_TERMINATED), hardExitMilliseconds).unref?.();
  });
  return controller.signal;
}

/** Resolves as `work` does, or rejects with {@link ShardTerminatedError} as soon as `signal` fires. */
export function untilTerminated<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new ShardTerminatedError());
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(new ShardTerminatedError());
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}
