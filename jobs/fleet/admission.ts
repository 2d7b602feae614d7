/**
 * Admission of Kubernetes objects without a kube-apiserver: the official OpenAPI
 * schema (types, enums, required fields; `kubernetes-models`, generated from the
 * Kubernetes OpenAPI spec) and a walk refusing fields the API does not know (the
 * server's strict field validation; `@kubernetes/client-node`'s generated type
 * map carries the same spec's property names), then the fleet's own rules
 * ({@link fleetRuleProblems}). The API server's cross-field validation is not
 * copied here: the real kube-apiserver judges it (test/e2e/job-admission.test.ts).
 * This serves `altus render-jobs` offline and the fake API server of the tests
 * that inject HTTP errors.
 */
import * as k8s from '@kubernetes/client-node';
import type { V1Job } from '@kubernetes/client-node';
import { Job } from 'kubernetes-models/batch/v1';
import { Namespace, ResourceQuota, ServiceAccount } from 'kubernetes-models/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1';
import { allowedRegistryOf } from '../../shared/custom-kernel.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import { LABELS } from './job-builder.ts';
import { fleetRuleProblems } from './fleet-rules.ts';

/** A kind Altus creates: its schema model and its client-node type name. */
interface KnownKind {
  model: new (data: never) => { validate(): void };
  typeName: string;
}

const KINDS: Record<string, KnownKind> = {
  'batch/v1/Job': { model: Job, typeName: 'V1Job' },
  'v1/Namespace': { model: Namespace, typeName: 'V1Namespace' },
  'v1/ResourceQuota': { model: ResourceQuota, typeName: 'V1ResourceQuota' },
  'v1/ServiceAccount': { model: ServiceAccount, typeName: 'V1ServiceAccount' },
  'scheduling.k8s.io/v1/PriorityClass': { model: PriorityClass, typeName: 'V1PriorityClass' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role, typeName: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding, typeName: 'V1RoleBinding' },
};

type AttributeMap = Array<{ baseName: string; type: string }>;
const typeMaps = k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeMap } | undefined>;

/** Fields of `value` the schema type `typeName` does not declare, as JSON paths (`.spec.template.spec.containers[0].nmae`). */

/** Checks a Job before it is accepted; returns problems (empty when valid). */
export type JobAdmission = (job: V1Job) => string[];
export function unknownFields(value: unknown, typeName: string, path = ''): string[] {
  const array = /^Array<(.+)>$/.exec(typeName);
  if (array) return Array.isArray(value) ? value.flatMap((item, i) => unknownFields(item, array[1]!, `${path}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (map) return isObject(value) ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1]!, `${path}[${k}]`)) : [];
  const attributes = typeMaps[typeName]?.getAttributeTypeMap?.();
  if (!attributes || !isObject(value)) return [];
  const known = new Map(attributes.map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([key, child]) => {
    const type = known.get(key);
    return type === undefined ? [`${path}.${key}`] : unknownFields(child, type, `${path}.${key}`);
  });
}

/** Schema problems of one object of a kind Altus creates (empty when valid). */
export function schemaProblems(object: { apiVersion?: string; kind?: string }): string[] {
  const kind = KINDS[`${object.apiVersion}/${object.kind}`];
  if (!kind) return [`apiVersion/kind: ${object.apiVersion} ${object.kind} is not a kind Altus creates`];
  const problems = unknownFields(object, kind.typeName).map((path) => `${path.slice(1)}: unknown field`);
  try {
    new kind.model(object as never).validate();
  } catch (error) {
    const details = (error as { errors?: Array<{ instancePath: string; message?: string }> }).errors;
    if (!details) throw new Error(`schema validation of ${object.kind} failed unexpectedly`, { cause: error });
    problems.push(...details.map((d) => `${d.instancePath.slice(1).replaceAll('/', '.') || '(root)'}: ${d.message ?? 'invalid'}`));
  }
  return problems;
}

/** Schema and unknown fields of a Job, and the fleet rules that need no cluster. */
export const kubernetesAdmission: JobAdmission = (job: V1Job) => {
  const schema = schemaProblems(job);
  return schema.length ? schema : fleetRuleProblems(job);
};

/** {@link kubernetesAdmission} plus the Altus rules that depend on the target cluster (found by its label). */
export function fleetAdmission(fleet: FleetConfig): JobAdmission {
  return (job) => {
    const problems = kubernetesAdmission(job);
    if (problems.length) return problems;
    const name = job.metadata?.labels?.[LABELS.cluster];
    const cluster = fleet.clusters.find((c) => c.name === name);
    if (!cluster) return [`metadata.labels[${LABELS.cluster}]: "${name}" is not a worker cluster of the fleet`];
    return [...fleetRuleProblems(job, cluster), ...imageProblems(job, fleet)];
  };
}

/** Worker pods run the worker image or a custom kernel image from an allowed registry, as a cluster's image policy would enforce. */
function imageProblems(job: V1Job, fleet: FleetConfig): string[] {
  return (job.spec?.template?.spec?.containers ?? []).flatMap((container, i) =>
    !container.image || container.image === fleet.workerImage || allowedRegistryOf(container.image, fleet.allowedImageRegistries)
      ? []
      : [
          `spec.template.spec.containers[${i}].image: "${container.image}" is neither the worker image nor from an allowed registry (${fleet.allowedImageRegistries.join(', ') || 'none'})`,
        ],
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
