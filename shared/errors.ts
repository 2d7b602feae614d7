/**
 * Error types with meaning. A {@link PermanentError} is recorded and acknowledged
 * (retrying cannot help); a {@link TransientError} is rethrown so the platform retries.
 */

/**
 * Error codes a person sees on a run document (`RunDocument.error.code`), each with
 * its one-line meaning. docs/errors.md documents each; a unit test keeps the two in step.
 */
export const ERROR_CODES = {
  MANIFEST_NOT_JSON: 'The manifest is not valid JSON.',
  MANIFEST_INVALID: 'The manifest does not match the altus/v1 schema.',
  MANIFEST_TOO_LARGE: 'The manifest object is larger than the size cap.',
  UNKNOWN_KERNEL: 'The manifest names a kernel that is not registered.',
  KERNEL_OPTIONS_INVALID: "The kernel's options are invalid.",
  IMAGE_NOT_ALLOWED: 'A custom kernel image comes from a registry the fleet configuration does not allow.',
  PARAMETERS_EMPTY: 'The parameter source yields no parameter sets.',
  PARAMETERS_TOO_MANY: 'The parameter source yields more parameter sets than the cap.',
  PARAMETERS_FILE_MISSING: 'The parameter file named by the manifest does not exist.',
  PARAMETERS_FILE_INVALID: 'The parameter file cannot be read as the declared format.',
  TOO_MANY_SHARDS: 'shardSize is too small for this parameter count: the shard cap would be exceeded.',
  PLACEMENT_INVALID: 'placement.clusters names no available worker cluster of the fleet configuration.',
  GPU_UNAVAILABLE: 'No available worker cluster has a GPU pool that can serve resources.gpu.',
  REQUEST_CONFLICT: 'A run with this requestId already exists with a different manifest.',
  DISPATCH_FAILED: 'A Job could not be created on a worker cluster.',
  SHARDS_FAILED: 'Some shards failed for good; see failedShards.',
  ALL_SHARDS_FAILED: 'Every shard failed; no results were produced.',
  DEADLINE_EXCEEDED: 'The run did not finish before its deadline.',
  IMAGE_PULL_FAILED: "A worker cluster's kubelet cannot pull the run's image (ErrImagePull, ImagePullBackOff, InvalidImageName).",
  UNSCHEDULABLE: "The run's pods fit on no node of any cluster that may take them (no capacity, a GPU pool at its quota).",
  POD_CREATE_FAILED: "A worker cluster refuses to create the run's pods (a missing service account or priority class, a quota, Pod Security).",
  CANCELLED: 'The run was cancelled.',
  START_FAILED: 'The run stayed ACCEPTED too long: its upload or request event failed every delivery.',
} as const;

/** One of the documented error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** A failure retrying cannot fix: record it, acknowledge the event, move on. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A failure worth retrying (network, quota, a dependency restarting). */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The message of any thrown value, for logs and run documents. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
