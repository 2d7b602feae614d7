/**
 * A small fake kube-apiserver for HTTP-level tests of the Kubernetes fleet: the
 * batch/v1 Job endpoints under `/clusters/<name>`, request bodies checked with
 * the same schema and rules as real admission (422 with a Status on refusal),
 * 201 on create, 409 AlreadyExists on a duplicate name, and faults injected per
 * request (a queue of statuses answered before the real handling).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { V1Job } from '@kubernetes/client-node';
import type { JobAdmission } from '../../jobs/fleet/local/api-server.ts';

/** One request as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

const JOBS_PATH = /^\/clusters\/([^/]+)\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/?$/;

/** The fake API server. */
export class FakeApiServer {
  /** Answers for the next requests, in order, before normal handling (e.g. `{ status: 503 }`). */
  readonly faults: Array<{ status: number; message?: string }> = [];
  readonly requests: SeenRequest[] = [];
  private readonly jobs = new Map<string, V1Job>();
  private server: Server | undefined;

  constructor(private readonly admit: JobAdmission) {}

  /** Listens on 127.0.0.1; resolves to the base URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Jobs stored on `cluster`. */
  jobsOn(cluster: string): V1Job[] {
    return [...this.jobs.entries()].filter(([k]) => k.startsWith(`${cluster}/`)).map(([, job]) => job);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0 };
    this.requests.push(seen);
    const reply = (code: number, body: unknown) => {
      seen.status = code;
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const body = await readBody(req);
    const fault = this.faults.shift();
    if (fault) return reply(fault.status, statusBody(fault.status, reasonFor(fault.status), fault.message ?? `injected HTTP ${fault.status}`));
    const match = JOBS_PATH.exec(url.pathname);
    if (!match) return reply(404, statusBody(404, 'NotFound', `the server could not find the requested resource`));
    const [, cluster, namespace] = match as unknown as [string, string, string];
    const selected = () => [...this.jobs.entries()].filter(([k, job]) => k.startsWith(`${cluster}/${namespace}/`) && selects(job, url.searchParams.get('labelSelector')));
    if (req.method === 'POST') {
      const job = JSON.parse(body) as V1Job;
      const problems = this.admit(job);
      if (problems.length) return reply(422, statusBody(422, 'Invalid', `Job.batch "${job.metadata?.name}" is invalid: ${problems.join('; ')}`));
      const key = `${cluster}/${namespace}/${job.metadata!.name}`;
      if (this.jobs.has(key)) return reply(409, statusBody(409, 'AlreadyExists', `jobs.batch "${job.metadata!.name}" already exists`));
      this.jobs.set(key, { ...job, metadata: { ...job.metadata, namespace, uid: crypto.randomUUID() } });
      return reply(201, this.jobs.get(key));
    }
    if (req.method === 'GET') return reply(200, { apiVersion: 'batch/v1', kind: 'JobList', metadata: {}, items: selected().map(([, j]) => j) });
    if (req.method === 'DELETE') {
      for (const [key] of selected()) this.jobs.delete(key);
      return reply(200, { apiVersion: 'v1', kind: 'Status', status: 'Success' });
    }
    return reply(405, statusBody(405, 'MethodNotAllowed', `${req.method} is not supported`));
  }
}

function selects(job: V1Job, selector: string | null): boolean {
  const labels = job.metadata?.labels ?? {};
  return (selector ?? '').split(',').filter(Boolean).every((term) => {
    const [key, value] = term.split('=') as [string, string | undefined];
    return value === undefined ? key in labels : labels[key] === value;
  });
}

function reasonFor(code: number): string {
  return ({ 403: 'Forbidden', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' } as Record<number, string>)[code] ?? 'Unknown';
}

function statusBody(code: number, reason: string, message: string) {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason, code };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
