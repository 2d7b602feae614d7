/**
 * The fleet interface dispatch, reconcile and cancel talk to. One implementation
 * speaks the Kubernetes API; where it points (GKE clusters, or the local fleet's
 * API server on this machine) is the only difference between cloud and local.
 */
import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';

/** Result of creating a Job: created now, or already there (a retried dispatch). */
export type CreateOutcome = 'created' | 'exists';

/** The worker clusters, addressed by name. */
export interface Fleet {
  /**
   * Creates a Job (strict field validation); a 409 Conflict (same deterministic
   * name) resolves to 'exists'. Refuses, with a {@link FleetRequestError}, a
   * cluster too old for Altus Jobs or one that dropped the Job's batch fields.
   */
  createJob(cluster: string, job: V1Job): Promise<CreateOutcome>;
  /** Optionally opens the way to the clusters ahead of the first request (a cold instance's warm-up); never throws. */
  connect?(clusters: readonly string[]): Promise<void>;
  /** Jobs in the namespace matching a label selector, with their status. */
  listJobs(cluster: string, namespace: string, labelSelector: string): Promise<V1Job[]>;
  /** Deletes matching Jobs and their pods (background propagation); resolves to how many were matched. */
  deleteJobs(cluster: string, namespace: string, labelSelector: string): Promise<number>;
  /** Deletes one Job and its pods (background propagation); false when it was already gone. */
  deleteJob(cluster: string, namespace: string, name: string): Promise<boolean>;
  /** Pods in the namespace matching a label selector, with their status (why a Job's pods do not run). */
  listPods(cluster: string, namespace: string, labelSelector: string): Promise<V1Pod[]>;
  /** Events in the namespace matching a field selector (e.g. a Job's FailedCreate events). */
  listEvents(cluster: string, namespace: string, fieldSelector: string): Promise<CoreV1Event[]>;
}

/**
 * The cluster refused the request for good (403, 422, ...), or answered in a way
 * Altus Jobs cannot run with (no HTTP status then): recorded on the run, not retried.
 */
export class FleetRequestError extends Error {
  override readonly name = 'FleetRequestError';
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
