/**
 * Worker exit codes (the Job's pod failure policy keys on them):
 * 0 done; {@link EXIT_BAD_INPUT} the shard's input can never succeed, do not retry;
 * anything else is retryable (the Job retries the index within its per-index budget).
 */
export const EXIT_OK = 0;
/** Retryable failure (network, storage, a dependency restarting). */
export const EXIT_RETRYABLE = 1;
/** Bad input: the pod failure policy fails the index at once. */
export const EXIT_BAD_INPUT = 42;
/** Misconfigured pod environment (missing or malformed ALTUS_* variables): retrying the same pod cannot help. */
export const EXIT_BAD_ENVIRONMENT = 43;
