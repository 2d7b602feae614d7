/**
 * The fleet interface dispatch talks to. One implementation speaks the
 * Kubernetes batch/v1 API; where it points (GKE clusters, or the local fleet's
 * API server on this machine) is the only difference between cloud and local.
 */
import type { V1Job } from '@kubernetes/client-node';

/** Result of creating a Job: created now, or already there (a retried dispatch). */
export type CreateOutcome = 'created' | 'exists';

/** The worker clusters, addressed by name. */
export interface Fleet {
  /** Creates a Job; a 409 Conflict (same deterministic name) resolves to 'exists'. */
  createJob(cluster: string, job: V1Job): Promise<CreateOutcome>;
  /** Jobs in the namespace matching a label selector, with their status. */
  listJobs(cluster: string, namespace: string, labelSelector: string): Promise<V1Job[]>;
  /** Deletes matching Jobs and their pods (background propagation); resolves to how many were matched. */
  deleteJobs(cluster: string, namespace: string, labelSelector: string): Promise<number>;
}

/** The cluster refused the request for good (403, 422, ...): recorded on the run, not retried. */
export class FleetRequestError extends Error {
  override readonly name = 'FleetRequestError';
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
