/**
 * The fleet bootstrap (pure): what every worker cluster needs before dispatch can
 * create Jobs on it — the namespace, a quota sized to the cluster's
 * `maxParallelism`, the worker's Workload Identity service account, the priority
 * class the Jobs name, and namespace-scoped RBAC for the dispatch and reconcile
 * identities, each allowed only what it does (one Role and RoleBinding each). Nothing cluster-wide but the PriorityClass; no ClusterRole.
 * Every object is checked against the official schema before it is returned.
 */
import type { KubernetesObject, V1Namespace, V1PriorityClass, V1ResourceQuota, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { FleetConfig, WorkerCluster } from '../../shared/fleet-config.ts';
import { schemaProblems } from './admission.ts';
import { LABELS } from './job-builder.ts';

/** Account ids of the Google service accounts that call the worker clusters' API (the dispatch and reconcile functions' runtime identities). */
export const FLEET_OPERATOR_ACCOUNT_IDS = ['altus-dispatch', 'altus-reconcile'] as const;

/**
 * Names of the namespaced objects the bootstrap creates. Dispatch's Role and
 * RoleBinding keep the name the single shared Role had before the split, so
 * applying the bootstrap to an existing cluster narrows that Role in place
 * (and drops reconcile from its subjects) instead of leaving it behind.
 */
export const BOOTSTRAP_NAMES = {
  quota: 'altus-workers',
  dispatchRole: 'altus-job-operator',
  reconcileRole: 'altus-reconcile',
} as const;

/** The namespace label that makes the PodSecurity admission plugin enforce a level. */
export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** Workload Identity: the annotation tying a Kubernetes service account to a Google one. */
export const WORKLOAD_IDENTITY_ANNOTATION = 'iam.gke.io/gcp-service-account';

/**
 * The PriorityClass's value: above the default 0, so Altus pods go ahead of
 * unprioritised pods in the scheduling queue; far below `system-cluster-critical`
 * (2,000,000,000), so kube-dns and GKE's agents always get a node first.
 */
export const PRIORITY_VALUE = 1000;

/**
 * `Never`: an Altus pod waits for the autoscaler to add a node instead of
 * evicting running pods — an evicted shard loses its work, and a pending pod
 * triggers scale-up anyway. Altus pods can still be preempted by higher ones.
 */
export const PRIORITY_PREEMPTION_POLICY = 'Never';

/**
 * Dispatch creates Jobs, and reads one back when its create answers 409 (a
 * redelivered message: is the Job there this run's?). Nothing else.
 */
export const DISPATCH_RULES: V1Role['rules'] = [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'] }];

/**
 * Reconcile lists a run's Jobs (and gets one), lists a quiet Job's pods and
 * events for why they do not run, and deletes Jobs: a stalled Job whose shards
 * went elsewhere, and every unfinished Job of a finished run (clean-up runs in
 * reconcile only). `altus cancel` runs as the operator, who needs no Role here.
 */
export const RECONCILE_RULES: V1Role['rules'] = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'delete'] },
  { apiGroups: [''], resources: ['pods', 'events'], verbs: ['list'] },
];

/** Each identity that calls the worker clusters' API: its Google account id, its Role's name and rules. */
export const FLEET_IDENTITIES = [
  { accountId: FLEET_OPERATOR_ACCOUNT_IDS[0], role: BOOTSTRAP_NAMES.dispatchRole, rules: DISPATCH_RULES },
  { accountId: FLEET_OPERATOR_ACCOUNT_IDS[1], role: BOOTSTRAP_NAMES.reconcileRole, rules: RECONCILE_RULES },
] as const;

/** Whether `rules` let a subject do `verb` on `resource` of API group `group` (RBAC's own matching, without wildcards). */
export function rulesAllow(rules: V1Role['rules'], verb: string, group: string, resource: string): boolean {
  return (rules ?? []).some((r) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource) && r.verbs.includes(verb));
}

/** Any object the bootstrap creates. */
export type BootstrapObject = V1Namespace | V1ResourceQuota | V1ServiceAccount | V1PriorityClass | V1Role | V1RoleBinding;

/** The objects of one worker cluster, in the order they are applied (the namespace first). */
export interface ClusterBootstrap {
  cluster: string;
  objects: BootstrapObject[];
}

/** The fleet configuration cannot be turned into valid objects (e.g. a malformed resource quantity). */
export class BootstrapConfigError extends Error {
  override readonly name = 'BootstrapConfigError';
}

/** Email of a Google service account of the project. */
export function serviceAccountEmail(project: string, accountId: string): string {
  return `${accountId}@${project}.iam.gserviceaccount.com`;
}

/** The bootstrap objects of every worker cluster of `config`, in configuration order. */
export function buildBootstrap(config: FleetConfig): ClusterBootstrap[] {
  return config.clusters.map((cluster) => ({ cluster: cluster.name, objects: clusterObjects(config, cluster) }));
}

function clusterObjects(config: FleetConfig, cluster: WorkerCluster): BootstrapObject[] {
  const namespace = config.namespace;
  const labels = { [LABELS.managedBy]: 'altus', [LABELS.cluster]: cluster.name };
  const meta = (name: string) => ({ name, namespace, labels });
  const objects: BootstrapObject[] = [
    // The worker pods meet the `restricted` Pod Security Standard (pod-hardening.ts); anything less is refused.
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { ...labels, [POD_SECURITY_ENFORCE_LABEL]: 'restricted' } } },
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta(BOOTSTRAP_NAMES.quota), spec: { hard: quotaFor(config, cluster) } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        ...meta(config.workerServiceAccount.kubernetes),
        annotations: { [WORKLOAD_IDENTITY_ANNOTATION]: serviceAccountEmail(config.project, config.workerServiceAccount.google) },
      },
    },
    {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: config.priorityClass, labels },
      value: PRIORITY_VALUE,
      preemptionPolicy: PRIORITY_PREEMPTION_POLICY,
      globalDefault: false,
      description: 'Altus batch workers: queued ahead of unprioritised pods, never preempt running pods.',
    },
    ...FLEET_IDENTITIES.flatMap(({ accountId, role, rules }): BootstrapObject[] => [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(role), rules },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta(role),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
        // GKE authenticates a Google service account as the user named by its email.
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: serviceAccountEmail(config.project, accountId) }],
      },
    ]),
  ];
  for (const object of objects) {
    const problems = schemaProblems(object);
    if (problems.length) throw new BootstrapConfigError(`${describeObject(object)} for cluster ${cluster.name} is invalid: ${problems.join('; ')}`);
  }
  return objects;
}

/**
 * The namespace's quota: at most `maxParallelism` Altus pods at once on the
 * cluster (across all runs), and CPU and memory for that many worker pods,
 * requests and limits alike (the builder sets both, equal, on every worker).
 */
export function quotaFor(config: FleetConfig, cluster: WorkerCluster): Record<string, string> {
  const forAll = (resource: 'cpu' | 'memory') => {
    try {
      return multiplyQuantity(config.workerResources[resource], cluster.maxParallelism);
    } catch (error) {
      throw new BootstrapConfigError(`workerResources.${resource}: ${(error as Error).message}`, { cause: error });
    }
  };
  const cpu = forAll('cpu');
  const memory = forAll('memory');
  return {
    pods: String(cluster.maxParallelism),
    'requests.cpu': cpu,
    'limits.cpu': cpu,
    'requests.memory': memory,
    'limits.memory': memory,
  };
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped), for messages and reports. */
export function describeObject(object: KubernetesObject): string {
  const { namespace, name } = object.metadata ?? {};
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

const QUANTITY = /^([0-9]+)(?:\.([0-9]+))?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const DECIMAL_SUFFIX: Record<string, bigint> = { k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n, P: 10n ** 15n, E: 10n ** 18n };
const BINARY_SUFFIX: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };

/** A Kubernetes quantity as an exact fraction. */
interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

function parseQuantity(quantity: string): { digits: bigint; decimals: number; suffix: string; value: Fraction } {
  const match = QUANTITY.exec(quantity);
  if (!match) throw new BootstrapConfigError(`"${quantity}" is not a resource quantity Altus understands (e.g. "2", "500m", "1.5Gi")`);
  const [, whole, fraction = '', suffix = ''] = match;
  const digits = BigInt(whole! + fraction);
  const numerator = digits * (DECIMAL_SUFFIX[suffix] ?? BINARY_SUFFIX[suffix] ?? 1n);
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix === 'm') denominator *= 1000n;
  return { digits, decimals: fraction.length, suffix, value: { numerator, denominator } };
}

/** `quantity × factor`, exactly, in the quantity's own suffix ("1.5Gi" × 3 = "4.5Gi", "500m" × 5000 = "2500000m"). */
export function multiplyQuantity(quantity: string, factor: number): string {
  const { digits, decimals, suffix } = parseQuantity(quantity);
  const product = (digits * BigInt(factor)).toString().padStart(decimals + 1, '0');
  const whole = product.slice(0, product.length - decimals);
  const fraction = product.slice(product.length - decimals).replace(/0+$/, '');
  return `${whole}${fraction ? `.${fraction}` : ''}${suffix}`;
}

/** Whether two quantities are the same amount ("5000" and "5k"; the API server rewrites quantities in canonical form). */
export function sameQuantity(a: string, b: string): boolean {
  try {
    const x = parseQuantity(a).value;
    const y = parseQuantity(b).value;
    return x.numerator * y.denominator === y.numerator * x.denominator;
  } catch {
    return a === b;
  }
}
