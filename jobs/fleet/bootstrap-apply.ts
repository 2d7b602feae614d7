/**
 * Applies the fleet bootstrap ({@link buildBootstrap}) to the worker clusters,
 * idempotently, through `@kubernetes/client-node` (CoreV1Api,
 * RbacAuthorizationV1Api, SchedulingV1Api) with the cluster access injected.
 * Each object is created; on 409 the live object is read and compared with the
 * wanted one: the same → unchanged; a mutable difference → replaced (labels and
 * annotations others added are kept); an immutable one (a PriorityClass's value,
 * a RoleBinding's roleRef) → kept as it is, and the report says how to fix it.
 * Clusters are applied in parallel, objects of one cluster in order, stopping at
 * the first refusal (later objects live in the namespace the first creates).
 */
import {
  CoreV1Api,
  RbacAuthorizationV1Api,
  SchedulingV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1PriorityClass,
  type V1ResourceQuota,
  type V1Role,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import { describeObject, sameQuantity, type BootstrapObject, type ClusterBootstrap } from './bootstrap.ts';
import { reasonOf, statusOf, type ClusterAccess } from './kubernetes-fleet.ts';

/** What applying one object did. */
export type ApplyAction = 'created' | 'unchanged' | 'updated' | 'kept';

/** One object's outcome: `detail` names the fields that differed. */
export interface ObjectOutcome {
  object: string;
  action: ApplyAction;
  detail?: string;
}

/** One cluster's outcomes, in apply order; `error` when the cluster refused an object (those after it were not tried). */
export interface ClusterApplyReport {
  cluster: string;
  outcomes: ObjectOutcome[];
  error?: BootstrapApplyError;
}

/** A cluster refused (or could not be asked about) a bootstrap object. */
export class BootstrapApplyError extends Error {
  override readonly name = 'BootstrapApplyError';
  constructor(
    message: string,
    readonly cluster: string,
    readonly object: string | undefined,
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Create, read and replace for one object, through the typed API of its kind. */
interface ObjectClient {
  create(): Promise<unknown>;
  read(): Promise<KubernetesObject>;
  replace(body: BootstrapObject): Promise<unknown>;
}

/** Applies every cluster's objects; never throws for a refusal, which is reported per cluster. */
export async function applyBootstrap(plan: readonly ClusterBootstrap[], access: ClusterAccess): Promise<ClusterApplyReport[]> {
  return Promise.all(plan.map((entry) => applyCluster(entry, access)));
}

async function applyCluster({ cluster, objects }: ClusterBootstrap, access: ClusterAccess): Promise<ClusterApplyReport> {
  const report: ClusterApplyReport = { cluster, outcomes: [] };
  let kc: KubeConfig;
  try {
    kc = await access(cluster);
  } catch (cause) {
    report.error = new BootstrapApplyError(`cannot reach cluster ${cluster}: ${(cause as Error).message}`, cluster, undefined, undefined, { cause });
    return report;
  }
  // A token the cluster stops taking (401) is refreshed once per cluster and the request sent again.
  let refreshed = false;
  for (const object of objects) {
    const name = describeObject(object);
    let client = clientFor(kc, object);
    const step = async <T>(verb: string, request: (c: ObjectClient) => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await request(client);
        } catch (cause) {
          const status = statusOf(cause);
          if (status === 401 && !refreshed) {
            refreshed = true;
            try {
              kc = await access(cluster, { refresh: true });
            } catch (error) {
              throw new BootstrapApplyError(
                `${verb} ${name} on cluster ${cluster} was refused (HTTP 401) and new credentials could not be had: ${(error as Error).message}`,
                cluster,
                name,
                401,
                { cause: error },
              );
            }
            client = clientFor(kc, object);
            continue;
          }
          const how = status === undefined ? 'failed' : `was refused (HTTP ${status}${status === 401 ? ', even with refreshed credentials' : ''})`;
          throw new BootstrapApplyError(`${verb} ${name} on cluster ${cluster} ${how}: ${reasonOf(cause)}`, cluster, name, status, { cause });
        }
      }
    };
    try {
      const created = await step('create', async (c) => {
        try {
          await c.create();
          return true;
        } catch (error) {
          if (statusOf(error) === 409) return false;
          throw error;
        }
      });
      if (created) {
        report.outcomes.push({ object: name, action: 'created' });
        continue;
      }
      const live = await step('read', (c) => c.read());
      const { mutable, immutable } = differences(object, live);
      if (immutable.length) {
        report.outcomes.push({
          object: name,
          action: 'kept',
          detail: `${immutable.join(', ')} cannot change in place: delete ${name} and run bootstrap again`,
        });
      } else if (mutable.length) {
        await step('replace', (c) => c.replace(merged(object, live)));
        report.outcomes.push({ object: name, action: 'updated', detail: mutable.join(', ') });
      } else {
        report.outcomes.push({ object: name, action: 'unchanged' });
      }
    } catch (error) {
      if (!(error instanceof BootstrapApplyError)) throw error;
      report.error = error;
      break;
    }
  }
  return report;
}

function clientFor(kc: KubeConfig, object: BootstrapObject): ObjectClient {
  const name = object.metadata!.name!;
  const namespace = object.metadata?.namespace ?? '';
  const body = object as never;
  switch (object.kind) {
    case 'Namespace': {
      const api = kc.makeApiClient(CoreV1Api);
      return {
        create: () => api.createNamespace({ body }),
        read: () => api.readNamespace({ name }),
        replace: (b) => api.replaceNamespace({ name, body: b as never }),
      };
    }
    case 'ResourceQuota': {
      const api = kc.makeApiClient(CoreV1Api);
      return {
        create: () => api.createNamespacedResourceQuota({ namespace, body }),
        read: () => api.readNamespacedResourceQuota({ name, namespace }),
        replace: (b) => api.replaceNamespacedResourceQuota({ name, namespace, body: b as never }),
      };
    }
    case 'ServiceAccount': {
      const api = kc.makeApiClient(CoreV1Api);
      return {
        create: () => api.createNamespacedServiceAccount({ namespace, body }),
        read: () => api.readNamespacedServiceAccount({ name, namespace }),
        replace: (b) => api.replaceNamespacedServiceAccount({ name, namespace, body: b as never }),
      };
    }
    case 'PriorityClass': {
      const api = kc.makeApiClient(SchedulingV1Api);
      return {
        create: () => api.createPriorityClass({ body }),
        read: () => api.readPriorityClass({ name }),
        replace: (b) => api.replacePriorityClass({ name, body: b as never }),
      };
    }
    case 'Role': {
      const api = kc.makeApiClient(RbacAuthorizationV1Api);
      return {
        create: () => api.createNamespacedRole({ namespace, body }),
        read: () => api.readNamespacedRole({ name, namespace }),
        replace: (b) => api.replaceNamespacedRole({ name, namespace, body: b as never }),
      };
    }
    case 'RoleBinding': {
      const api = kc.makeApiClient(RbacAuthorizationV1Api);
      return {
        create: () => api.createNamespacedRoleBinding({ namespace, body }),
        read: () => api.readNamespacedRoleBinding({ name, namespace }),
        replace: (b) => api.replaceNamespacedRoleBinding({ name, namespace, body: b as never }),
      };
    }
    default:
      throw new Error(`bootstrap cannot apply kind ${object.kind}`);
  }
}

/** Fields of `wanted` the live object does not match; labels and annotations only need to be present. */
export function differences(wanted: BootstrapObject, live: KubernetesObject): { mutable: string[]; immutable: string[] } {
  const mutable: string[] = [];
  const immutable: string[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    const have = live.metadata?.[field] ?? {};
    if (Object.entries(wanted.metadata?.[field] ?? {}).some(([k, v]) => have[k] !== v)) mutable.push(`metadata.${field}`);
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  switch (wanted.kind) {
    case 'ResourceQuota': {
      const want = (wanted as V1ResourceQuota).spec?.hard ?? {};
      const have = (live as V1ResourceQuota).spec?.hard ?? {};
      const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
      if ([...keys].some((k) => want[k] === undefined || have[k] === undefined || !sameQuantity(String(want[k]), String(have[k])))) mutable.push('spec.hard');
      break;
    }
    case 'PriorityClass': {
      const [w, l] = [wanted as V1PriorityClass, live as V1PriorityClass];
      if (w.value !== l.value) immutable.push(`value (${l.value}, wanted ${w.value})`);
      if (w.preemptionPolicy !== l.preemptionPolicy) immutable.push(`preemptionPolicy (${l.preemptionPolicy}, wanted ${w.preemptionPolicy})`);
      if ((w.globalDefault ?? false) !== (l.globalDefault ?? false)) mutable.push('globalDefault');
      if (w.description !== l.description) mutable.push('description');
      break;
    }
    case 'Role':
      if (!same(rules(wanted as V1Role), rules(live as V1Role))) mutable.push('rules');
      break;
    case 'RoleBinding': {
      const [w, l] = [wanted as V1RoleBinding, live as V1RoleBinding];
      if (!same(w.roleRef, { apiGroup: l.roleRef?.apiGroup, kind: l.roleRef?.kind, name: l.roleRef?.name })) immutable.push('roleRef');
      if (!same(subjects(w), subjects(l))) mutable.push('subjects');
      break;
    }
  }
  return { mutable, immutable };
}

const rules = (role: V1Role) => (role.rules ?? []).map((r) => [r.apiGroups ?? [], r.resources ?? [], r.verbs, r.resourceNames ?? [], r.nonResourceURLs ?? []]);
const subjects = (binding: V1RoleBinding) => (binding.subjects ?? []).map((s) => [s.apiGroup ?? '', s.kind, s.name, s.namespace ?? '']);

/** The replacement: the wanted object over the live one, keeping its resourceVersion and the labels and annotations others added. */
function merged(wanted: BootstrapObject, live: KubernetesObject): BootstrapObject {
  const { metadata, status: _status, ...rest } = live as KubernetesObject & { status?: unknown };
  return {
    ...rest,
    ...wanted,
    metadata: {
      ...wanted.metadata,
      resourceVersion: metadata?.resourceVersion,
      labels: { ...metadata?.labels, ...wanted.metadata?.labels },
      annotations: { ...metadata?.annotations, ...wanted.metadata?.annotations },
    },
  } as BootstrapObject;
}
