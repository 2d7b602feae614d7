/**
 * Every Cloud Function of Altus, how it is triggered and how it is sized: the
 * one table the functions, messaging, identity and policy code read. Topic ids
 * come from `shared/messages.ts` (reconcile's scheduler tick included); a push
 * trigger's subscription (ack deadline, delivery attempts) from the topology
 * description in `shared/topology.ts`, which the local stack is wired from too.
 */
import { TOPIC_IDS, type TopicRole } from '../shared/messages.ts';
import { pushSubscriptionOf, type PushFunction } from '../shared/topology.ts';

/** Topic roles of the deployment: the runtime's (reconcile's scheduler tick included). */
export type InfraTopicRole = TopicRole;

/** Topic ids by role, as deployed. */
export const INFRA_TOPIC_IDS: Readonly<Record<InfraTopicRole, string>> = TOPIC_IDS;

/** Every topic role, in a stable order. */
export const INFRA_TOPIC_ROLES = Object.keys(INFRA_TOPIC_IDS) as InfraTopicRole[];

/** Names of the functions (also their entry points). */
export type FunctionName = 'ingest' | 'run-request' | 'dispatch' | 'collect' | 'aggregate' | 'reconcile' | 'dashboard' | 'bootstrap';

/** How a function is invoked. */
export type FunctionTrigger =
  /** Eventarc: object finalized in the manifests bucket. */
  | { readonly kind: 'storage' }
  /** A push subscription on `topic`, delivered to the function's URL. */
  | { readonly kind: 'push'; readonly topic: InfraTopicRole; readonly ackDeadlineSeconds: number; readonly maxDeliveryAttempts: number }
  /**
   * Plain HTTPS, IAM-authenticated: by the configuration's dashboard viewers, or only
   * by whoever deploys (project owners hold run.invoker already; nobody is granted it).
   */
  | { readonly kind: 'http'; readonly invokers: 'dashboard-viewers' | 'deployer' };

/** What a function reads, writes and publishes; the identity code grants exactly this. */
export interface FunctionAccess {
  readonly manifests?: 'read';
  readonly results?: 'read' | 'create' | 'read-create';
  readonly firestore?: 'read' | 'read-write';
  /**
   * Topics it publishes to. Every Pub/Sub-driven function runs behind the poison guard
   * (functions/pipeline/poison-guard.ts), and ingest behind its storage-event twin,
   * which park undecodable and too-old events on the dead-letter topic themselves:
   * those list `deadLetter`.
   */
  readonly publishes: readonly InfraTopicRole[];
  /** Reads cluster endpoints (roles/container.clusterViewer); Kubernetes RBAC comes from the fleet bootstrap. */
  readonly clusters?: boolean;
  /**
   * Creates the fleet bootstrap's objects (namespaces, quotas, priority classes, RBAC) in
   * the clusters: roles/container.admin, project-wide because GKE has no per-cluster IAM.
   */
  readonly clusterAdmin?: boolean;
}

/** One function. */
export interface FunctionSpec {
  readonly name: FunctionName;
  readonly entryPoint: string;
  readonly description: string;
  readonly trigger: FunctionTrigger;
  readonly memory: string;
  readonly cpu: string;
  readonly timeoutSeconds: number;
  readonly maxInstances: number;
  readonly concurrency: number;
  /** Egress to private ranges through the VPC connector (the worker control planes). */
  readonly vpcEgress: boolean;
  readonly access: FunctionAccess;
}

/** The push trigger of `fn`, as the topology describes its subscription. */
const push = (fn: PushFunction): FunctionTrigger & { kind: 'push' } => {
  const { role, ackDeadlineSeconds, maxDeliveryAttempts } = pushSubscriptionOf(fn);
  return { kind: 'push', topic: role, ackDeadlineSeconds, maxDeliveryAttempts };
};

/**
 * The functions. A push-driven function's timeout equals its subscription's ack
 * deadline, so Pub/Sub does not redeliver while the first delivery still runs.
 */
export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'ingest',
    entryPoint: 'ingest',
    description: 'Starts a run from a manifest uploaded to the manifests bucket',
    trigger: { kind: 'storage' },
    memory: '512Mi',
    cpu: '1',
    timeoutSeconds: 120,
    maxInstances: 20,
    concurrency: 1,
    vpcEgress: false,
    access: { manifests: 'read', results: 'create', firestore: 'read-write', publishes: ['dispatch', 'runFinished', 'deadLetter'] },
  },
  {
    name: 'run-request',
    entryPoint: 'run-request',
    description: 'Starts a run from a run request message',
    trigger: push('run-request'),
    memory: '512Mi',
    cpu: '1',
    timeoutSeconds: push('run-request').ackDeadlineSeconds,
    maxInstances: 20,
    concurrency: 1,
    vpcEgress: false,
    access: { manifests: 'read', results: 'create', firestore: 'read-write', publishes: ['dispatch', 'runFinished', 'deadLetter'] },
  },
  {
    name: 'dispatch',
    entryPoint: 'dispatch',
    description: 'Creates the Indexed Job of one (run, cluster, attempt) on a worker cluster',
    trigger: push('dispatch'),
    memory: '512Mi',
    cpu: '1',
    timeoutSeconds: push('dispatch').ackDeadlineSeconds,
    maxInstances: 20,
    concurrency: 1,
    vpcEgress: true,
    access: { results: 'read', firestore: 'read-write', publishes: ['runFinished', 'deadLetter'], clusters: true },
  },
  {
    name: 'collect',
    entryPoint: 'collect',
    description: 'Records shard completions and requests aggregation when a run is complete',
    trigger: push('collect'),
    memory: '512Mi',
    cpu: '1',
    timeoutSeconds: push('collect').ackDeadlineSeconds,
    maxInstances: 50,
    concurrency: 40,
    vpcEgress: false,
    access: { firestore: 'read-write', publishes: ['aggregate', 'deadLetter'] },
  },
  {
    name: 'aggregate',
    entryPoint: 'aggregate',
    description: 'Merges shard partials and finishes a run',
    trigger: push('aggregate'),
    memory: '1Gi',
    cpu: '1',
    timeoutSeconds: push('aggregate').ackDeadlineSeconds,
    maxInstances: 10,
    concurrency: 1,
    vpcEgress: false,
    access: { results: 'read-create', firestore: 'read-write', publishes: ['runFinished', 'deadLetter'] },
  },
  {
    name: 'reconcile',
    entryPoint: 'reconcile',
    description: 'Finds lost, failed and straggling shards, re-dispatches them and finishes runs',
    trigger: push('reconcile'),
    memory: '512Mi',
    cpu: '1',
    timeoutSeconds: push('reconcile').ackDeadlineSeconds,
    maxInstances: 1,
    concurrency: 1,
    vpcEgress: true,
    access: { results: 'read', firestore: 'read-write', publishes: ['dispatch', 'aggregate', 'runFinished', 'deadLetter'], clusters: true },
  },
  {
    name: 'dashboard',
    entryPoint: 'dashboard',
    description: 'Read-only dashboard of runs (HTTPS, IAM-authenticated)',
    trigger: { kind: 'http', invokers: 'dashboard-viewers' },
    memory: '256Mi',
    cpu: '1',
    timeoutSeconds: 60,
    maxInstances: 5,
    concurrency: 20,
    vpcEgress: false,
    access: { results: 'read', firestore: 'read', publishes: [] },
  },
  {
    name: 'bootstrap',
    entryPoint: 'bootstrap',
    description: 'Bootstraps the worker clusters through their private endpoints (npm run deploy calls it)',
    trigger: { kind: 'http', invokers: 'deployer' },
    memory: '512Mi',
    cpu: '1',
    timeoutSeconds: 300,
    maxInstances: 1,
    concurrency: 1,
    // The control planes take no traffic from outside the VPC: this is the deploy's way in.
    vpcEgress: true,
    access: { publishes: [], clusterAdmin: true },
  },
];

/** The push-driven functions with their triggers. */
export function pushFunctions(): Array<FunctionSpec & { trigger: Extract<FunctionTrigger, { kind: 'push' }> }> {
  return FUNCTIONS.filter((f): f is FunctionSpec & { trigger: Extract<FunctionTrigger, { kind: 'push' }> } => f.trigger.kind === 'push');
}
