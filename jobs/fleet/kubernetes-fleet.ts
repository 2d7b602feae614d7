/**
 * {@link Fleet} over `@kubernetes/client-node`'s BatchV1Api. Cluster access (a
 * KubeConfig per cluster) is injected: GKE lookups in the cloud, the local fleet's
 * API server on this machine. 5xx and network errors are retried with backoff;
 * 409 on create means the Job exists; other 4xx are permanent.
 */
import { BatchV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { TransientError } from '../../shared/errors.ts';
import { FleetRequestError, type CreateOutcome, type Fleet } from './fleet.ts';

/** Resolves a worker cluster's name to a KubeConfig (cached by the implementation). */
export type ClusterAccess = (cluster: string) => Promise<KubeConfig>;

/** Retry policy for transient API errors. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMilliseconds: number;
  sleep?: (ms: number) => Promise<void>;
}

/** How long a cluster's client (and its bearer token) is reused. */
const API_TTL_MILLISECONDS = 30 * 60 * 1000;

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMilliseconds: 200 };

/** A fleet of Kubernetes clusters reached through their API servers. */
export class KubernetesFleet implements Fleet {
  private readonly apis = new Map<string, { api: Promise<BatchV1Api>; expires: number }>();

  constructor(
    private readonly access: ClusterAccess,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  private api(cluster: string): Promise<BatchV1Api> {
    const cached = this.apis.get(cluster);
    if (cached && cached.expires > Date.now()) return cached.api;
    // Re-resolved periodically: access tokens expire after an hour.
    const api = this.access(cluster).then((kc) => kc.makeApiClient(BatchV1Api));
    api.catch(() => this.apis.delete(cluster));
    this.apis.set(cluster, { api, expires: Date.now() + API_TTL_MILLISECONDS });
    return api;
  }

  async createJob(cluster: string, job: V1Job): Promise<CreateOutcome> {
    const namespace = job.metadata?.namespace ?? 'default';
    try {
      await this.call(cluster, `create Job ${job.metadata?.name}`, (api) => api.createNamespacedJob({ namespace, body: job }));
      return 'created';
    } catch (error) {
      if (error instanceof FleetRequestError && error.status === 409) return 'exists';
      throw error;
    }
  }

  async listJobs(cluster: string, namespace: string, labelSelector: string): Promise<V1Job[]> {
    const list = await this.call(cluster, 'list Jobs', (api) => api.listNamespacedJob({ namespace, labelSelector }));
    return list.items;
  }

  async deleteJobs(cluster: string, namespace: string, labelSelector: string): Promise<number> {
    const jobs = await this.listJobs(cluster, namespace, labelSelector);
    if (jobs.length > 0) {
      await this.call(cluster, 'delete Jobs', (api) =>
        api.deleteCollectionNamespacedJob({ namespace, labelSelector, propagationPolicy: 'Background' }),
      );
    }
    return jobs.length;
  }

  private async call<T>(cluster: string, what: string, request: (api: BatchV1Api) => Promise<T>): Promise<T> {
    const sleep = this.retry.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    let delay = this.retry.initialDelayMilliseconds;
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(await this.api(cluster));
      } catch (error) {
        const status = statusOf(error);
        const retryable = status === undefined || status >= 500 || status === 429;
        if (!retryable) {
          throw new FleetRequestError(`${what} on cluster ${cluster} was refused (HTTP ${status}): ${reasonOf(error)}`, status, { cause: error });
        }
        if (attempt >= this.retry.attempts) {
          throw new TransientError(`${what} on cluster ${cluster} failed after ${attempt} attempts: ${reasonOf(error)}`, { cause: error });
        }
        await sleep(delay);
        delay *= 2;
      }
    }
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

function reasonOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 300);
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return (error as Error).message ?? String(error);
}
