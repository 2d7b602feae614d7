/**
 * Waiting on a condition, not on a clock: tests poll what they wait for and fail
 * with its name when it does not come, instead of sleeping a guessed time.
 */

/** How long to wait, how often to look, and what for (named in the failure). */
export interface WaitOptions {
  readonly timeoutMs: number;
  /** What is awaited, as the failure will say it ("the run to finish"). */
  readonly what: string;
  /** Pause between two looks (default 50 ms). */
  readonly intervalMs?: number;
}

/** The condition did not hold in time. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/**
 * Resolves with the condition's first truthy value; rejects with
 * {@link WaitTimeoutError} after `timeoutMs`. A condition that throws is looked at
 * again (the thing may not exist yet); its last error is the timeout's cause.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** Resolves once the wall clock has moved past the moment of the call (a later write gets a later mtime). */
export async function clockMovedOn(): Promise<void> {
  const start = Date.now();
  await waitFor(() => Date.now() > start + 1, { timeoutMs: 1000, intervalMs: 1, what: 'the clock to move on' });
}
