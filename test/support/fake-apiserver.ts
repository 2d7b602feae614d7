/**
 * A small fake kube-apiserver for HTTP-level tests of the Kubernetes fleet and
 * the fleet bootstrap, every cluster under `/clusters/<name>`:
 * - batch/v1 Jobs: bodies checked with the same schema and rules as real
 *   admission (422 with a Status on refusal), 201 on create, 409 AlreadyExists
 *   on a duplicate name, list and delete-collection by label selector;
 * - the bootstrap kinds (Namespace, ResourceQuota, ServiceAccount, PriorityClass,
 *   Role, RoleBinding): create (404 when the namespace does not exist), get and
 *   replace (409 on a stale resourceVersion, 422 on an immutable field), with
 *   the server's own additions (the namespace's name label, canonical quantities);
 * - core/v1 pods and events (list by label or field selector), stored with
 *   {@link FakeApiServer.putPod} and {@link FakeApiServer.putEvent} as the kubelet,
 *   the scheduler and the Job controller would write them; `/version`, with a
 *   settable version; a Job by name (get, delete); a server that drops fields
 *   it does not know ({@link FakeApiServer.dropJobFields}), as an old release does;
 * - faults injected per request: a queue of statuses answered before the real
 *   handling, each optionally only for a method and path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { KubeConfig, type CoreV1Event, type KubernetesObject, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { ClusterAccess } from '../../jobs/fleet/kubernetes-fleet.ts';
import { schemaProblems } from '../../jobs/fleet/admission.ts';
import type { JobAdmission } from '../../jobs/fleet/admission.ts';

/** One request as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

/** An injected answer; without `method`/`path` it answers the next request whatever it is. */
export interface Fault {
  status: number;
  message?: string;
  method?: string;
  path?: RegExp;
}

const JOBS_PATH = /^\/clusters\/([^/]+)\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/?([^/]+)?$/;
const CORE_LIST_PATH = /^\/clusters\/([^/]+)\/api\/v1\/namespaces\/([^/]+)\/(pods|events)$/;
const VERSION_PATH = /^\/clusters\/([^/]+)\/version\/?$/;
/** `/clusters/<c>/api/v1[/namespaces/<ns>]/<resource>[/<name>]`, or the same under `/apis/<group>/v1`. */
const OBJECT_PATH = /^\/clusters\/([^/]+)\/(api\/v1|apis\/[^/]+\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/;
/** The bootstrap kinds by resource: their kind and the path prefix they live under. */
const RESOURCES: Record<string, { kind: string; api: string; namespaced: boolean }> = {
  namespaces: { kind: 'Namespace', api: 'api/v1', namespaced: false },
  resourcequotas: { kind: 'ResourceQuota', api: 'api/v1', namespaced: true },
  serviceaccounts: { kind: 'ServiceAccount', api: 'api/v1', namespaced: true },
  priorityclasses: { kind: 'PriorityClass', api: 'apis/scheduling.k8s.io/v1', namespaced: false },
  roles: { kind: 'Role', api: 'apis/rbac.authorization.k8s.io/v1', namespaced: true },
  rolebindings: { kind: 'RoleBinding', api: 'apis/rbac.authorization.k8s.io/v1', namespaced: true },
};

/** The fake API server. */
export class FakeApiServer {
  /** Answers for the next requests, in order, before normal handling (e.g. `{ status: 503 }`). */
  readonly faults: Fault[] = [];
  readonly requests: SeenRequest[] = [];
  private readonly jobs = new Map<string, V1Job>();
  /** Bootstrap-kind objects by `<cluster>/<resource>/<namespace>/<name>`. */
  private readonly objects = new Map<string, KubernetesObject>();
  private readonly pods = new Map<string, V1Pod[]>();
  private readonly events = new Map<string, CoreV1Event[]>();
  /** The `/version` answer per cluster (default: a current GKE release). */
  readonly versions = new Map<string, { major: string; minor: string; gitVersion: string }>();
  /** Job spec fields this server drops on create, as a release without them (or with their gate off) does. */
  readonly dropJobFields: string[] = [];
  private resourceVersion = 0;
  private server: Server | undefined;

  /** Stores a pod in `cluster`'s namespace, as the Job controller and kubelet leave it. */
  putPod(cluster: string, pod: V1Pod): void {
    this.pods.set(cluster, [...(this.pods.get(cluster) ?? []), pod]);
  }

  /** Stores an event in `cluster`'s namespace. */
  putEvent(cluster: string, event: CoreV1Event): void {
    this.events.set(cluster, [...(this.events.get(cluster) ?? []), event]);
  }

  /** Changes a stored Job as the Job controller (status) or the server (creationTimestamp) would. */
  editJob(cluster: string, name: string, change: (job: V1Job) => void): void {
    const job = this.jobsOn(cluster).find((j) => j.metadata?.name === name);
    if (!job) throw new Error(`no Job ${name} on ${cluster}`);
    change(job);
  }

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

  /** Bootstrap-kind objects stored on `cluster`, in creation order. */
  objectsOn(cluster: string): KubernetesObject[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${cluster}/`)).map(([, o]) => o);
  }

  /** Changes a stored object as someone else would (a new resourceVersion); throws when it does not exist. */
  edit<T extends KubernetesObject>(cluster: string, kind: string, name: string, change: (object: T) => void): void {
    const found = this.objectsOn(cluster).find((o) => o.kind === kind && o.metadata?.name === name);
    if (!found) throw new Error(`no ${kind} ${name} on ${cluster}`);
    change(found as T);
    found.metadata!.resourceVersion = String(++this.resourceVersion);
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
    const faultAt = this.faults.findIndex((f) => (f.method ?? seen.method) === seen.method && (f.path?.test(seen.path) ?? true));
    if (faultAt >= 0) {
      const [fault] = this.faults.splice(faultAt, 1) as [Fault];
      return reply(fault.status, statusBody(fault.status, reasonFor(fault.status), fault.message ?? `injected HTTP ${fault.status}`));
    }
    const object = OBJECT_PATH.exec(url.pathname);
    if (object && RESOURCES[object[4]!]) return this.handleObject(req.method ?? '', object, body, reply);
    const version = VERSION_PATH.exec(url.pathname);
    if (version && req.method === 'GET') return reply(200, this.versions.get(version[1]!) ?? { major: '1', minor: '33', gitVersion: 'v1.33.5-gke.1201000' });
    const core = CORE_LIST_PATH.exec(url.pathname);
    if (core && req.method === 'GET') {
      const [, cluster, namespace, resource] = core as unknown as [string, string, string, 'pods' | 'events'];
      const stored: KubernetesObject[] = (resource === 'pods' ? this.pods : this.events).get(cluster) ?? [];
      const items = stored.filter(
        (o) =>
          (o.metadata?.namespace ?? namespace) === namespace &&
          selects(o, url.searchParams.get('labelSelector')) &&
          fieldSelects(o, url.searchParams.get('fieldSelector')),
      );
      return reply(200, { apiVersion: 'v1', kind: resource === 'pods' ? 'PodList' : 'EventList', metadata: {}, items });
    }
    const match = JOBS_PATH.exec(url.pathname);
    if (!match) return reply(404, statusBody(404, 'NotFound', `the server could not find the requested resource`));
    const [, cluster, namespace, jobName] = match as unknown as [string, string, string, string | undefined];
    if (jobName) {
      const key = `${cluster}/${namespace}/${jobName}`;
      const stored = this.jobs.get(key);
      if (!stored) return reply(404, statusBody(404, 'NotFound', `jobs.batch "${jobName}" not found`));
      if (req.method === 'GET') return reply(200, stored);
      if (req.method === 'DELETE') {
        this.jobs.delete(key);
        return reply(200, { apiVersion: 'v1', kind: 'Status', status: 'Success' });
      }
      return reply(405, statusBody(405, 'MethodNotAllowed', `${req.method} is not supported`));
    }
    const selected = () =>
      [...this.jobs.entries()].filter(([k, job]) => k.startsWith(`${cluster}/${namespace}/`) && selects(job, url.searchParams.get('labelSelector')));
    if (req.method === 'POST') {
      const job = JSON.parse(body) as V1Job;
      const problems = this.admit(job);
      if (problems.length) return reply(422, statusBody(422, 'Invalid', `Job.batch "${job.metadata?.name}" is invalid: ${problems.join('; ')}`));
      const key = `${cluster}/${namespace}/${job.metadata!.name}`;
      if (this.jobs.has(key)) return reply(409, statusBody(409, 'AlreadyExists', `jobs.batch "${job.metadata!.name}" already exists`));
      const spec = { ...job.spec! };
      for (const field of this.dropJobFields) delete (spec as Record<string, unknown>)[field];
      this.jobs.set(key, { ...job, spec, metadata: { ...job.metadata, namespace, uid: crypto.randomUUID() } });
      return reply(201, this.jobs.get(key));
    }
    if (req.method === 'GET') return reply(200, { apiVersion: 'batch/v1', kind: 'JobList', metadata: {}, items: selected().map(([, j]) => j) });
    if (req.method === 'DELETE') {
      for (const [key] of selected()) this.jobs.delete(key);
      return reply(200, { apiVersion: 'v1', kind: 'Status', status: 'Success' });
    }
    return reply(405, statusBody(405, 'MethodNotAllowed', `${req.method} is not supported`));
  }

  /** Create, get and replace of a bootstrap kind, as the API server does them. */
  private handleObject(method: string, match: RegExpExecArray, body: string, reply: (code: number, body: unknown) => void) {
    const [, cluster, api, namespace, resource, name] = match as unknown as [string, string, string, string | undefined, string, string | undefined];
    const spec = RESOURCES[resource]!;
    if (spec.api !== api || spec.namespaced !== (namespace !== undefined))
      return reply(404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    const key = (n: string) => `${cluster}/${resource}/${namespace ?? ''}/${n}`;
    const notFound = (n: string) => statusBody(404, 'NotFound', `${resource} "${n}" not found`);
    if (method === 'GET' && name) {
      const stored = this.objects.get(key(name));
      return stored ? reply(200, stored) : reply(404, notFound(name));
    }
    if (method !== 'POST' && !(method === 'PUT' && name)) return reply(405, statusBody(405, 'MethodNotAllowed', `${method} is not supported`));
    const incoming = JSON.parse(body) as KubernetesObject & Record<string, unknown>;
    const objectName = incoming.metadata?.name ?? '';
    if (incoming.kind !== spec.kind) return reply(400, statusBody(400, 'BadRequest', `${incoming.kind} sent to ${resource}`));
    const problems = schemaProblems(incoming);
    if (problems.length) return reply(422, statusBody(422, 'Invalid', `${spec.kind} "${objectName}" is invalid: ${problems.join('; ')}`));
    if (namespace !== undefined && !this.objects.has(`${cluster}/namespaces//${namespace}`))
      return reply(404, statusBody(404, 'NotFound', `namespaces "${namespace}" not found`));
    const existing = this.objects.get(key(objectName));
    if (method === 'POST') {
      if (existing) return reply(409, statusBody(409, 'AlreadyExists', `${resource} "${objectName}" already exists`));
      const created = withServerFields(incoming, namespace, ++this.resourceVersion);
      this.objects.set(key(objectName), created);
      return reply(201, created);
    }
    if (objectName !== name) return reply(400, statusBody(400, 'BadRequest', 'the name of the object does not match the name on the URL'));
    if (!existing) return reply(404, notFound(name));
    if (incoming.metadata?.resourceVersion !== existing.metadata?.resourceVersion) {
      return reply(
        409,
        statusBody(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        ),
      );
    }
    const immutable = spec.kind === 'PriorityClass' ? ['value', 'preemptionPolicy'] : spec.kind === 'RoleBinding' ? ['roleRef'] : [];
    const changed = immutable.filter((f) => JSON.stringify(incoming[f]) !== JSON.stringify((existing as Record<string, unknown>)[f]));
    if (changed.length)
      return reply(422, statusBody(422, 'Invalid', `${spec.kind} "${name}" is invalid: ${changed.map((f) => `${f}: field is immutable`).join('; ')}`));
    const replaced = withServerFields(incoming, namespace, ++this.resourceVersion, existing);
    this.objects.set(key(name), replaced);
    return reply(200, replaced);
  }
}

/** What the API server adds: identity, version, the namespace's name label and finalizer, canonical quota quantities, defaults. */
function withServerFields(
  object: KubernetesObject & Record<string, unknown>,
  namespace: string | undefined,
  version: number,
  existing?: KubernetesObject,
): KubernetesObject {
  const stored = structuredClone(object);
  const name = stored.metadata?.name ?? '';
  stored.metadata = {
    ...stored.metadata,
    ...(namespace ? { namespace } : {}),
    uid: existing?.metadata?.uid ?? crypto.randomUUID(),
    resourceVersion: String(version),
    creationTimestamp: existing?.metadata?.creationTimestamp ?? new Date(),
  };
  if (stored.kind === 'Namespace') {
    stored.metadata.labels = { ...stored.metadata.labels, 'kubernetes.io/metadata.name': name };
    stored.spec = { finalizers: ['kubernetes'] };
    stored.status = { phase: 'Active' };
  }
  if (stored.kind === 'ResourceQuota') {
    const hard = Object.entries((stored.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {});
    stored.spec = { ...(stored.spec as object), hard: Object.fromEntries(hard.map(([k, q]) => [k, canonicalQuantity(q)])) };
    stored.status = { hard: (stored.spec as { hard: unknown }).hard, used: {} };
  }
  if (stored.kind === 'PriorityClass') stored.preemptionPolicy ??= 'PreemptLowerPriority';
  return stored;
}

/** The API server's canonical form of a plain decimal quantity ("5000" → "5k"); others are left as they are. */
function canonicalQuantity(quantity: string): string {
  if (!/^[1-9][0-9]*$/.test(quantity)) return quantity;
  const zeros = /0*$/.exec(quantity)![0].length;
  const [suffix, power] = zeros >= 9 ? ['G', 9] : zeros >= 6 ? ['M', 6] : zeros >= 3 ? ['k', 3] : ['', 0];
  return `${quantity.slice(0, quantity.length - (power as number))}${suffix}`;
}

/** A field selector of `a.b=c` terms (what the fleet sends: involvedObject.kind and .name). */
function fieldSelects(object: KubernetesObject, selector: string | null): boolean {
  return (selector ?? '')
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [path, value] = term.split('=') as [string, string];
      const found = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], object);
      return String(found) === value;
    });
}

function selects(job: KubernetesObject, selector: string | null): boolean {
  const labels = job.metadata?.labels ?? {};
  return (selector ?? '')
    .split(',')
    .filter(Boolean)
    .every((term) => {
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

/** {@link ClusterAccess} for a {@link FakeApiServer} at `baseUrl`: one KubeConfig per cluster under `/clusters/<name>`, no credentials. */
export function fakeClusterAccess(baseUrl: string): ClusterAccess {
  const kubeConfigs = new Map<string, KubeConfig>();
  return async (cluster) => {
    let kc = kubeConfigs.get(cluster);
    if (!kc) {
      kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: cluster, server: `${baseUrl}/clusters/${cluster}`, skipTLSVerify: true }],
        users: [{ name: 'fake' }],
        contexts: [{ name: cluster, cluster, user: 'fake' }],
        currentContext: cluster,
      });
      kubeConfigs.set(cluster, kc);
    }
    return kc;
  };
}
