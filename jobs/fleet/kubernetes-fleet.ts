/**
 * {@link Fleet} over `@kubernetes/client-node`'s BatchV1Api and CoreV1Api. Cluster
 * access (a KubeConfig per cluster) is injected: GKE lookups in the cloud, the
 * local fleet's API server on this machine. 5xx and network errors are retried
 * with backoff, and a network error asks the access to resolve the cluster's
 * endpoint again (a recreated cluster answers elsewhere); 409 on create means the
 * Job exists; a 401 (a token the cluster no longer takes) is retried once at once
 * with refreshed credentials; other 4xx are permanent. Before its first Job, a
 * cluster's server version is checked once (api-compat.ts).
 */
import { BatchV1Api, CoreV1Api, VersionApi, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { TransientError } from '../../shared/errors.ts';
import { NO_METER, type Meter } from '../../shared/metering.ts';
import { droppedBatchFields, parseServerVersion, versionProblem } from './api-compat.ts';
import { FleetRequestError, type CreateOutcome, type Fleet } from './fleet.ts';
import { LABELS } from './job-builder.ts';

/**
 * Resolves a worker cluster's name to a KubeConfig whose credentials are valid now.
 * It may return the same object for as long as they stay valid (callers cache a
 * client per KubeConfig); `refresh` asks for new credentials (after a 401);
 * `reresolve` asks for the cluster's endpoint to be looked up again (after a
 * network error: the cluster may have been recreated at another address).
 */
export type ClusterAccess = (cluster: string, options?: { refresh?: boolean; reresolve?: boolean }) => Promise<KubeConfig>;

/** Retry policy for transient API errors. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMilliseconds: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMilliseconds: 200 };

/** The API clients of one KubeConfig. */
interface Clients {
  batch: BatchV1Api;
  core: CoreV1Api;
  version: VersionApi;
}

/** A fleet of Kubernetes clusters reached through their API servers. */
export class KubernetesFleet implements Fleet {
  /** Clients per KubeConfig: the access hands out a new KubeConfig when the credentials change. */
  private readonly clients = new WeakMap<KubeConfig, Clients>();
  /** Clusters whose server version was found good (checked once per process). */
  private readonly versionChecked = new Map<string, Promise<void>>();

  constructor(
    private readonly access: ClusterAccess,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    /** Counts the requests sent to the API servers (the benchmarks read it). */
    private readonly meter: Meter = NO_METER,
  ) {}

  /** The clients for `cluster`, asked of the access before every request so an expiring token is never reused. */
  private async api(cluster: string, options: { refresh: boolean; reresolve: boolean }): Promise<Clients> {
    const wanted = { ...(options.refresh ? { refresh: true } : {}), ...(options.reresolve ? { reresolve: true } : {}) };
    const kc = await this.access(cluster, Object.keys(wanted).length ? wanted : undefined);
    let clients = this.clients.get(kc);
    if (!clients) {
      clients = { batch: kc.makeApiClient(BatchV1Api), core: kc.makeApiClient(CoreV1Api), version: kc.makeApiClient(VersionApi) };
      this.clients.set(kc, clients);
    }
    return clients;
  }

  /**
   * Checks each cluster's server version now (credentials, the first TLS handshake,
   * the version request): a cold instance then does not put them on the first run's
   * critical path (4.5 s of a 1M-row grid on a loaded machine). A failure is
   * forgotten; the first real request asks again and reports it.
   */
  async connect(clusters: readonly string[]): Promise<void> {
    await Promise.all(clusters.map((cluster) => this.checkVersion(cluster).catch(() => undefined)));
  }

  async createJob(cluster: string, job: V1Job): Promise<CreateOutcome> {
    const namespace = job.metadata?.namespace ?? 'default';
    const name = job.metadata?.name ?? '';
    await this.checkVersion(cluster);
    let stored: V1Job;
    let outcome: CreateOutcome;
    try {
      // Strict: an unknown or duplicate field is a 400 rather than silently dropped.
      stored = await this.call(cluster, `create Job ${name}`, (api) => api.batch.createNamespacedJob({ namespace, body: job, fieldValidation: 'Strict' }));
      outcome = 'created';
    } catch (error) {
      if (!(error instanceof FleetRequestError && error.status === 409)) throw error;
      stored = await this.call(cluster, `get Job ${name}`, (api) => api.batch.readNamespacedJob({ namespace, name }));
      const runId = job.metadata?.labels?.[LABELS.runId];
      if (stored.metadata?.labels?.[LABELS.runId] !== runId) {
        throw new FleetRequestError(
          `Job ${name} on cluster ${cluster} already exists and belongs to ${stored.metadata?.labels?.[LABELS.runId] ?? 'no Altus run'}, not run ${runId}`,
          409,
          { cause: error },
        );
      }
      outcome = 'exists';
    }
    const dropped = droppedBatchFields(job, stored);
    if (dropped.length) {
      throw new FleetRequestError(
        `cluster ${cluster} stored Job ${name} without ${dropped.join(', ')} (a feature gate is off or the server is too old): its shards would spend their retries on preemptions. Use a cluster on Kubernetes 1.29 or later with the Job features on`,
        undefined,
      );
    }
    return outcome;
  }

  /**
   * The cluster's server version, checked once per process: a verdict (good, or
   * too old) is kept; a request that failed is asked again next time.
   */
  private checkVersion(cluster: string): Promise<void> {
    let checked = this.versionChecked.get(cluster);
    if (!checked) {
      checked = this.readVersion(cluster).then((problem) => {
        if (problem) throw new ClusterTooOldError(problem);
      });
      checked.catch((error: unknown) => {
        if (!(error instanceof ClusterTooOldError)) this.versionChecked.delete(cluster);
      });
      this.versionChecked.set(cluster, checked);
    }
    return checked;
  }

  /** Why the cluster's version is not good enough, or undefined when it is. */
  private async readVersion(cluster: string): Promise<string | undefined> {
    let info: Awaited<ReturnType<VersionApi['getCode']>>;
    try {
      info = await this.call(cluster, 'read the server version', (api) => api.version.getCode());
    } catch (error) {
      // Every kube-apiserver serves /version; only a stand-in without it answers 404, and the Job fields are still checked.
      if (error instanceof FleetRequestError && error.status === 404) return undefined;
      throw error;
    }
    const version = parseServerVersion(info);
    return version ? versionProblem(cluster, version) : `cluster ${cluster} reported no usable server version (${JSON.stringify(info)})`;
  }

  async listJobs(cluster: string, namespace: string, labelSelector: string): Promise<V1Job[]> {
    const list = await this.call(cluster, 'list Jobs', (api) => api.batch.listNamespacedJob({ namespace, labelSelector }));
    return list.items;
  }

  async deleteJobs(cluster: string, namespace: string, labelSelector: string): Promise<number> {
    const jobs = await this.listJobs(cluster, namespace, labelSelector);
    if (jobs.length > 0) {
      await this.call(cluster, 'delete Jobs', (api) => api.batch.deleteCollectionNamespacedJob({ namespace, labelSelector, propagationPolicy: 'Background' }));
    }
    return jobs.length;
  }

  async deleteJob(cluster: string, namespace: string, name: string): Promise<boolean> {
    try {
      await this.call(cluster, `delete Job ${name}`, (api) => api.batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }));
      return true;
    } catch (error) {
      if (error instanceof FleetRequestError && error.status === 404) return false;
      throw error;
    }
  }

  async listPods(cluster: string, namespace: string, labelSelector: string) {
    return (await this.call(cluster, 'list pods', (api) => api.core.listNamespacedPod({ namespace, labelSelector }))).items;
  }

  async listEvents(cluster: string, namespace: string, fieldSelector: string) {
    return (await this.call(cluster, 'list events', (api) => api.core.listNamespacedEvent({ namespace, fieldSelector }))).items;
  }

  private async call<T>(cluster: string, what: string, request: (api: Clients) => Promise<T>): Promise<T> {
    const sleep = this.retry.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    let delay = this.retry.initialDelayMilliseconds;
    let refresh = false;
    let refreshed = false;
    let reresolve = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const api = await this.api(cluster, { refresh, reresolve });
        refresh = reresolve = false;
        // Every request sent to a cluster's API server is a Kubernetes call the benchmark counts.
        this.meter.count('kubernetesCalls');
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
        // No answer at all: the endpoint may be stale (a recreated cluster), so it is looked up again.
        if (status === undefined) reresolve = true;
        if (attempt >= this.retry.attempts) {
          throw new TransientError(`${what} on cluster ${cluster} failed after ${attempt} attempts: ${reasonOf(error)}`, { cause: error });
        }
        await sleep(delay);
        delay *= 2;
      }
    }
  }
}

/** The cluster's Kubernetes release is older than Altus Jobs need: permanent, like a refusal. */
export class ClusterTooOldError extends FleetRequestError {
  constructor(message: string) {
    super(message, undefined);
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
