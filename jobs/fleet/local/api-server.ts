/**
 * The local fleet's API server: the slice of the Kubernetes batch/v1 API that
 * dispatch uses (create, get, list, delete-collection of Jobs), one path prefix
 * per configured worker cluster (`/clusters/<name>`), so the same
 * `@kubernetes/client-node` code drives it and GKE.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { V1Job } from '@kubernetes/client-node';
import { ACCELERATOR_LABEL, GPU_RESOURCE } from '../../../shared/resources.ts';
import { LocalJob, type NodeEnvironment } from './job-controller.ts';
import type { PodPool } from './pod-pool.ts';
import { count } from '../../../shared/metering.ts';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Checks a Job before it is accepted; returns problems (empty when valid). */
export type JobAdmission = (job: V1Job) => string[];

/** The minimum the local controller needs; the Kubernetes schema checks live in the tests and render-jobs. */
export const basicAdmission: JobAdmission = (job) => {
  const problems: string[] = [];
  if (job.apiVersion !== 'batch/v1' || job.kind !== 'Job') problems.push('apiVersion/kind must be batch/v1 Job');
  if (!job.metadata?.name) problems.push('metadata.name: Required value');
  if (job.spec?.completionMode !== 'Indexed') problems.push('spec.completionMode: only Indexed Jobs run on the Altus fleet');
  if (!job.spec?.template?.spec?.containers?.length) problems.push('spec.template.spec.containers: Required value');
  return problems;
};

/** Per-cluster state. */
interface ClusterState {
  jobs: Map<string, LocalJob>;
  /** A lost cluster answers 503 to everything. */
  down: boolean;
}

/** The local fleet: API server plus controller over one pod pool. */
export class LocalFleetServer {
  private readonly clusters = new Map<string, ClusterState>();
  private server: Server | undefined;

  constructor(
    clusterNames: readonly string[],
    private readonly pool: PodPool,
    private readonly node: NodeEnvironment,
    private readonly admit: JobAdmission = basicAdmission,
  ) {
    for (const name of clusterNames) this.clusters.set(name, { jobs: new Map(), down: false });
  }

  /** Starts listening on 127.0.0.1; resolves to the port. */
  listen(port = 0): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve((this.server!.address() as { port: number }).port)));
  }

  /** Marks a cluster lost (or back): its Jobs stop and it answers 503. */
  setClusterDown(name: string, down: boolean): void {
    const state = this.clusters.get(name);
    if (!state) return;
    state.down = down;
    if (down) for (const job of state.jobs.values()) job.stop();
  }

  /**
   * Fault injection: SIGKILLs up to `count` running pods of a run, as a node
   * failure would; the controller retries each killed index within its budget.
   */
  killPods(runId: string, count: number): number {
    let killed = 0;
    for (const job of this.allJobs().filter((j) => j.job.metadata?.labels?.['altus.dev/run-id'] === runId)) {
      for (const pid of job.runningPods().values()) {
        if (killed >= count) return killed;
        this.pool.kill(pid, 'SIGKILL');
        killed++;
      }
    }
    return killed;
  }

  /** This machine has no GPU node: a Job asking for GPUs runs as ordinary worker processes, and says so. */
  private noteGpus(job: V1Job, cluster: string): void {
    const gpus = job.spec?.template?.spec?.containers?.map((c) => c.resources?.limits?.[GPU_RESOURCE]).find((q) => q !== undefined);
    if (gpus === undefined) return;
    this.node.log?.warn('Job asks for GPUs: the local fleet has none and runs its indexes as ordinary CPU worker processes', {
      cluster,
      job: job.metadata?.name,
      gpus: String(gpus),
      accelerator: job.spec?.template?.spec?.nodeSelector?.[ACCELERATOR_LABEL],
    });
  }

  /** Every Job on every cluster (for progress views and fault injection). */
  allJobs(): LocalJob[] {
    return [...this.clusters.values()].flatMap((c) => [...c.jobs.values()]);
  }

  async close(): Promise<void> {
    for (const job of this.allJobs()) job.stop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      if (url.pathname === '/_altus/clusters' && req.method === 'GET') return send(res, 200, this.summary());
      const kill = /^\/_altus\/runs\/([^/]+)\/kill$/.exec(url.pathname);
      if (kill && req.method === 'POST') return send(res, 200, { killed: this.killPods(kill[1]!, Number(url.searchParams.get('count') ?? 1)) });
      const admin = /^\/_altus\/clusters\/([^/]+)\/(down|up)$/.exec(url.pathname);
      if (admin && req.method === 'POST') {
        this.setClusterDown(admin[1]!, admin[2] === 'down');
        return send(res, 200, { cluster: admin[1], down: admin[2] === 'down' });
      }
      const match = /^\/clusters\/([^/]+)\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?(\/status)?$/.exec(url.pathname);
      if (!match) return send(res, 404, status(404, 'NotFound', `the local fleet does not serve ${url.pathname}`));
      const [, clusterName, namespace, name] = match as unknown as [string, string, string, string | undefined];
      count('kubernetesCalls');
      const cluster = this.clusters.get(clusterName);
      if (!cluster) return send(res, 404, status(404, 'NotFound', `no worker cluster "${clusterName}" in the fleet configuration`));
      if (cluster.down) return send(res, 503, status(503, 'ServiceUnavailable', `cluster ${clusterName} is unreachable`));
      const key = (n: string) => `${namespace}/${n}`;

      if (req.method === 'POST' && !name) {
        const job = JSON.parse(await readBody(req)) as V1Job;
        const problems = this.admit(job);
        if (problems.length) return send(res, 422, status(422, 'Invalid', `Job.batch "${job.metadata?.name}" is invalid: ${problems.join('; ')}`));
        if (job.metadata!.namespace && job.metadata!.namespace !== namespace) {
          return send(res, 400, status(400, 'BadRequest', 'the namespace of the object does not match the namespace on the request'));
        }
        job.metadata!.namespace = namespace;
        if (cluster.jobs.has(key(job.metadata!.name!))) {
          return send(res, 409, status(409, 'AlreadyExists', `jobs.batch "${job.metadata!.name}" already exists`));
        }
        job.metadata!.uid = crypto.randomUUID();
        job.metadata!.creationTimestamp = new Date();
        cluster.jobs.set(key(job.metadata!.name!), new LocalJob(job, clusterName, this.pool, this.node));
        this.noteGpus(job, clusterName);
        return send(res, 201, job);
      }
      if (req.method === 'GET' && name) {
        const job = cluster.jobs.get(key(name));
        return job ? send(res, 200, job.view()) : send(res, 404, status(404, 'NotFound', `jobs.batch "${name}" not found`));
      }
      const selected = () =>
        [...cluster.jobs.entries()].filter(([k, job]) => k.startsWith(`${namespace}/`) && matches(job.job, url.searchParams.get('labelSelector')));
      if (req.method === 'GET') {
        return send(res, 200, { apiVersion: 'batch/v1', kind: 'JobList', metadata: {}, items: selected().map(([, job]) => job.view()) });
      }
      if (req.method === 'DELETE') {
        const doomed = name ? [...cluster.jobs.entries()].filter(([k]) => k === key(name)) : selected();
        for (const [k, job] of doomed) {
          job.stop();
          cluster.jobs.delete(k);
        }
        return send(res, 200, { apiVersion: 'v1', kind: 'Status', status: 'Success', details: { kind: 'jobs', group: 'batch' } });
      }
      return send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not supported here`));
    } catch (error) {
      return send(res, 400, status(400, 'BadRequest', (error as Error).message));
    }
  }

  private summary() {
    return [...this.clusters.entries()].map(([name, c]) => ({
      name,
      down: c.down,
      jobs: [...c.jobs.values()].map((j) => ({ name: j.job.metadata?.name, runId: j.job.metadata?.labels?.['altus.dev/run-id'], status: j.view().status })),
    }));
  }
}

function matches(job: V1Job, selector: string | null): boolean {
  if (!selector) return true;
  const labels = job.metadata?.labels ?? {};
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=') as [string, string | undefined];
    return v === undefined ? k in labels : labels[k] === v;
  });
}

function status(code: number, reason: string, message: string) {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason, code };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
