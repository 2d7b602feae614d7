/**
 * {@link Fleet} over `@kubernetes/client-node`'s BatchV1Api. Cluster access (a
 * KubeConfig per cluster) is injected: GKE lookups in the cloud, the local fleet's
 * API server on this machine. 5xx and network errors are retried with backoff;
 * 409 on create means the Job exists; a 401 (a token the cluster no longer takes)
 * is retried once at once with refreshed credentials; other 4xx are permanent.
 */
import { BatchV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { TransientError } from '../../shared/errors.ts';
import { count } from '../../shared/metering.ts';
import { FleetRequestError, type CreateOutcome, type Fleet } from './fleet.ts';

/**
 * Resolves a worker cluster's name to a KubeConfig whose credentials are valid now.
 * It may return the same object for as long as they stay valid (callers cache a
 * client per KubeConfig); `refresh` asks for new credentials (after a 401).
 */
export type ClusterAccess = (cluster: string, options?: { refresh?: boolean }) => Promise<KubeConfig>;

/** Retry policy for transient API errors. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMilliseconds: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMilliseconds: 200 };

/** A fleet of Kubernetes clusters reached through their API servers. */
export class KubernetesFleet implements Fleet {
  /** One client per KubeConfig: the access hands out a new KubeConfig when the credentials change. */
  private readonly apis = new WeakMap<KubeConfig, BatchV1Api>();

  constructor(
    private readonly access: ClusterAccess,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** The client for `cluster`, asked of the access before every request so an expiring token is never reused. */
  private async api(cluster: string, refresh: boolean): Promise<BatchV1Api> {
    const kc = await this.access(cluster, refresh ? { refresh: true } : undefined);
    let api = this.apis.get(kc);
    if (!api) {
      api = kc.makeApiClient(BatchV1Api);
      this.apis.set(kc, api);
    }
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
    let refresh = false;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const api = await this.api(cluster, refresh);
        refresh = false;
        // Every request sent to a cluster's API server is a Kubernetes call the benchmark counts.
        count('kubernetesCalls');
        return await request(api);
      } catch (error) {
        const status = statusOf(error);
        if (status === 401 && !refreshed) {
          // The token expired or was revoked under us: not the run's fault. Once, at once, with new credentials.
          refresh = refreshed = true;
          attempt -= 1;
          continue;
        }
        const retryable = status === undefined || status >= 500 || status === 429;
        if (!retryable) {
          const how = status === 401 ? ' even with refreshed credentials' : '';
          throw new FleetRequestError(`${what} on cluster ${cluster} was refused${how} (HTTP ${status}): ${reasonOf(error)}`, status, { cause: error });
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

/** The HTTP status of a client error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

/** The API server's own message (a Status body), else the client's. */
export function reasonOf(error: unknown): string {
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
  const message = (error as Error).message ?? String(error);
  // The client's own exception for a status without a body (401): "HTTP-Code: 401\nMessage: Unauthorized\n…".
  return /^Message: (.+)$/m.exec(message)?.[1] ?? message;
}
