/**
 * Stable identifiers. Every id is derived from what the platform redelivers
 * (bucket, object, generation; a request id), never from a message id, so a
 * duplicate event maps onto the same run, Job and shard record.
 */
import { createHash } from 'node:crypto';

/** A run id: lowercase letters, digits and "-", 1-40 characters, starting with a letter or digit. */
export const RUN_ID_PATTERN = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** True when `id` can be used as a run id (and therefore as a request id). */
export function isValidRunId(id: string): boolean {
  return RUN_ID_PATTERN.test(id);
}

/** Hex SHA-256 of the parts joined by NUL. */
export function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/**
 * The run id of an uploaded manifest: a readable slug of the object name plus a
 * hash of (bucket, object, generation). The same finalize event twice gives the
 * same id; a new generation of the object gives a new run.
 */
export function runIdForUpload(bucket: string, object: string, generation: string): string {
  const base = object.split('/').pop() ?? object;
  const slug = base
    .replace(/\.json$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 20)
    .replace(/-+$/, '');
  const hash = digest(bucket, object, generation).slice(0, 12);
  return slug ? `${slug}-${hash}` : `run-${hash}`;
}

/** Zero-padded shard key, so lexical order is shard order (Firestore ids, object names). */
export function shardKey(shard: number): string {
  return String(shard).padStart(6, '0');
}

/** Longest Job name: Indexed pods are named `<job>-<index>-<suffix>` and hostnames must stay within 63. */
export const MAX_JOB_NAME = 52;

/**
 * Deterministic DNS-1123 Job name for (run, cluster, attempt): a retried dispatch
 * produces the same name, gets 409 Conflict and treats it as done.
 */
export function jobName(runId: string, cluster: string, attempt: number): string {
  const full = `altus-${runId}-${cluster}-a${attempt}`;
  if (full.length <= MAX_JOB_NAME) return full;
  const hash = digest(runId, cluster, String(attempt)).slice(0, 10);
  const suffix = `-a${attempt}-${hash}`;
  return `altus-${runId}`.slice(0, MAX_JOB_NAME - suffix.length).replace(/-+$/, '') + suffix;
}
