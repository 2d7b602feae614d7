/**
 * The API server's own validation of the Job fields Altus sets, as a pure
 * function. The OpenAPI schema says which fields exist and their types; these
 * rules are the cross-field checks the schema cannot express. Each rule names
 * the Kubernetes validation it mirrors (kubernetes/kubernetes
 * `pkg/apis/batch/validation/validation.go` unless said otherwise) or, for the
 * last ones, the Altus invariant it protects.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { GpuPool, WorkerCluster } from '../../shared/fleet-config.ts';
import { ACCELERATOR_LABEL, GPU_RESOURCE, GPU_TAINT, POOL_LABEL } from '../../shared/resources.ts';
import { SPOT_LABEL, TERMINATION_GRACE_SECONDS } from './job-builder.ts';

/** One validation rule: its name, what it mirrors, and the problems it finds. */
export interface JobRule {
  name: string;
  mirrors: string;
  check(job: V1Job, cluster?: WorkerCluster): string[];
}

/** `completionsSoftLimit`, `maxFailedIndexesLimitForHighCompletions`, `parallelismLimitForHighCompletions`, `maxFailedIndexesForIndexedJobs`. */
const COMPLETIONS_SOFT_LIMIT = 100_000;
const HIGH_COMPLETIONS_LIMIT = 10_000;
const MAX_FAILED_INDEXES = 100_000;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const indexed = (job: V1Job) => job.spec?.completionMode === 'Indexed';
const podSpec = (job: V1Job) => job.spec?.template?.spec;
const containers = (job: V1Job) => podSpec(job)?.containers ?? [];
/** GPUs the pod asks for (the largest limit over its containers), 0 for none. */
const gpuLimit = (job: V1Job) => Math.max(0, ...containers(job).map((c) => Number(c.resources?.limits?.[GPU_RESOURCE] ?? 0)));
/** The GPU pool of `cluster` the pod selects by its pool label, if any. */
const selectedGpuPool = (job: V1Job, cluster: WorkerCluster): GpuPool | undefined =>
  cluster.gpuPools.find((p) => p.name === podSpec(job)?.nodeSelector?.[POOL_LABEL]);

/** `IsQualifiedName` and `IsValidLabelValue` from apimachinery `util/validation`, as `ValidateLabels` applies them. */
function labelProblems(path: string, labels: Record<string, string> | undefined): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : '';
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (name.length > 63 || !LABEL_NAME.test(name) || (slash >= 0 && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))) {
      problems.push(`${path}: Invalid value: "${key}": not a qualified label key`);
    }
    if (value.length > 63) problems.push(`${path}[${key}]: Invalid value: "${value}": must be no more than 63 characters`);
    else if (!LABEL_VALUE.test(value)) problems.push(`${path}[${key}]: Invalid value: "${value}": not a valid label value`);
  }
  return problems;
}

/** The rules, in the order the API server reports them. */
export const JOB_RULES: readonly JobRule[] = [
  {
    name: 'name is a DNS-1123 subdomain; Indexed pod hostnames stay DNS-1123 labels',
    mirrors: 'validateJob: ValidateObjectMeta(ValidateReplicationControllerName) and the maximumPodHostname check for Indexed Jobs',
    check(job) {
      const name = job.metadata?.name ?? '';
      if (!name) return ['metadata.name: Required value'];
      if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) return [`metadata.name: Invalid value: "${name}": not a DNS-1123 subdomain`];
      const completions = job.spec?.completions ?? 0;
      if (!indexed(job) || completions <= 0) return [];
      const hostname = `${name}-${completions - 1}`;
      return hostname.length > 63 || !DNS1123_LABEL.test(hostname)
        ? [`metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${hostname}`]
        : [];
    },
  },
  {
    name: 'label keys are qualified names, values at most 63 valid characters',
    mirrors: 'ValidateObjectMeta → ValidateLabels (metadata and spec.template.metadata); the controller also copies the name into the batch.kubernetes.io/job-name label',
    check(job) {
      const name = job.metadata?.name ?? '';
      return [
        ...labelProblems('metadata.labels', job.metadata?.labels),
        ...labelProblems('spec.template.metadata.labels', job.spec?.template?.metadata?.labels),
        ...labelProblems('batch.kubernetes.io/job-name', { 'batch.kubernetes.io/job-name': name }),
      ];
    },
  },
  {
    name: 'counts are non-negative; Indexed Jobs need completions',
    mirrors: 'validateJobSpec: ValidateNonnegativeField on parallelism, completions, activeDeadlineSeconds, backoffLimit, backoffLimitPerIndex, maxFailedIndexes, ttlSecondsAfterFinished; Required completions "when completion mode is Indexed"',
    check(job) {
      const spec = job.spec ?? ({} as NonNullable<V1Job['spec']>);
      const fields = ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes', 'ttlSecondsAfterFinished'] as const;
      const problems = fields.filter((f) => (spec[f] ?? 0) < 0).map((f) => `spec.${f}: Invalid value: ${spec[f]}: must be greater than or equal to 0`);
      if (indexed(job) && spec.completions === undefined) problems.push('spec.completions: Required value: when completion mode is Indexed');
      if (indexed(job) && (spec.parallelism ?? 0) > COMPLETIONS_SOFT_LIMIT) {
        problems.push(`spec.parallelism: Invalid value: ${spec.parallelism}: must be less than or equal to ${COMPLETIONS_SOFT_LIMIT} when completion mode is Indexed`);
      }
      return problems;
    },
  },
  {
    name: 'backoffLimitPerIndex needs completionMode Indexed',
    mirrors: 'validateJobSpec: "backoffLimitPerIndex: requires indexed completion mode"',
    check: (job) => (job.spec?.backoffLimitPerIndex !== undefined && !indexed(job) ? ['spec.backoffLimitPerIndex: Invalid value: requires indexed completion mode'] : []),
  },
  {
    name: 'maxFailedIndexes needs backoffLimitPerIndex, at most completions (and 10^4 above 10^5 completions)',
    mirrors: 'validateJobSpec: maxFailedIndexes checks (maxFailedIndexesForIndexedJobs, completionsSoftLimit, maxFailedIndexesLimitForHighCompletions, parallelismLimitForHighCompletions)',
    check(job) {
      const spec = job.spec ?? ({} as NonNullable<V1Job['spec']>);
      const problems: string[] = [];
      const { maxFailedIndexes: max, completions, backoffLimitPerIndex: perIndex, parallelism } = spec;
      if (max !== undefined && perIndex === undefined) problems.push('spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified');
      if (max !== undefined && completions !== undefined && max > completions) {
        problems.push(`spec.maxFailedIndexes: Invalid value: ${max}: must be less than or equal to completions`);
      }
      if (max !== undefined && max > MAX_FAILED_INDEXES) problems.push(`spec.maxFailedIndexes: Invalid value: ${max}: must be less than or equal to ${MAX_FAILED_INDEXES}`);
      if (perIndex !== undefined && completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT) {
        if (max === undefined) problems.push(`spec.maxFailedIndexes: Required value: must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`);
        else if (max > HIGH_COMPLETIONS_LIMIT) problems.push(`spec.maxFailedIndexes: Invalid value: ${max}: must be less than or equal to ${HIGH_COMPLETIONS_LIMIT} when completions are above ${COMPLETIONS_SOFT_LIMIT}`);
        if ((parallelism ?? 1) > HIGH_COMPLETIONS_LIMIT) problems.push(`spec.parallelism: Invalid value: ${parallelism}: must be less than or equal to ${HIGH_COMPLETIONS_LIMIT} when completions are above ${COMPLETIONS_SOFT_LIMIT}`);
      }
      return problems;
    },
  },
  {
    name: 'podFailurePolicy needs restartPolicy Never and podReplacementPolicy Failed; FailIndex needs backoffLimitPerIndex',
    mirrors: 'validatePodFailurePolicy / validatePodFailurePolicyRule, and validateJobSpec\'s podReplacementPolicy check ("must be Failed when podFailurePolicy is specified")',
    check(job) {
      const policy = job.spec?.podFailurePolicy;
      if (!policy) return [];
      const problems: string[] = [];
      if (podSpec(job)?.restartPolicy !== 'Never') problems.push('spec.template.spec.restartPolicy: Invalid value: only "Never" is supported when podFailurePolicy is specified');
      if (job.spec?.podReplacementPolicy !== 'Failed') problems.push('spec.podReplacementPolicy: Not supported: must be Failed when podFailurePolicy is specified');
      if (policy.rules.length > 20) problems.push('spec.podFailurePolicy.rules: Too many: must have at most 20 items');
      const containers = new Set((podSpec(job)?.containers ?? []).map((c) => c.name));
      policy.rules.forEach((rule, i) => {
        const at = `spec.podFailurePolicy.rules[${i}]`;
        if (rule.action === 'FailIndex' && job.spec?.backoffLimitPerIndex === undefined) problems.push(`${at}.action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set`);
        if (Boolean(rule.onExitCodes) === Boolean(rule.onPodConditions)) problems.push(`${at}: Invalid value: specifying one of onExitCodes and onPodConditions is required`);
        const codes = rule.onExitCodes;
        if (codes) {
          if (codes.containerName !== undefined && !containers.has(codes.containerName)) problems.push(`${at}.onExitCodes.containerName: Invalid value: "${codes.containerName}": must be one of the container or initContainer names`);
          if (codes.values.length === 0 || codes.values.length > 255) problems.push(`${at}.onExitCodes.values: Invalid value: must have between 1 and 255 items`);
          if (codes.values.some((v, k) => k > 0 && v <= codes.values[k - 1]!)) problems.push(`${at}.onExitCodes.values: Invalid value: must be ordered and unique`);
          if (codes.operator === 'In' && codes.values.includes(0)) problems.push(`${at}.onExitCodes.values: Invalid value: 0: must not be 0 for the In operator`);
        }
      });
      return problems;
    },
  },
  {
    name: 'restartPolicy OnFailure or Never; containers present',
    mirrors: 'validateJobSpec: "spec.template.spec.restartPolicy: Required/Unsupported value" and core ValidatePodSpec containers Required',
    check(job) {
      const spec = podSpec(job);
      const problems: string[] = [];
      if (spec?.restartPolicy !== 'Never' && spec?.restartPolicy !== 'OnFailure') problems.push(`spec.template.spec.restartPolicy: Unsupported value: "${spec?.restartPolicy}": supported values: "OnFailure", "Never"`);
      if (!spec?.containers?.length) problems.push('spec.template.spec.containers: Required value');
      for (const [i, c] of (spec?.containers ?? []).entries()) {
        if (!DNS1123_LABEL.test(c.name) || c.name.length > 63) problems.push(`spec.template.spec.containers[${i}].name: Invalid value: "${c.name}": not a DNS-1123 label`);
      }
      return problems;
    },
  },
  {
    name: 'parallelism at most completions',
    mirrors: 'Altus: the Job controller clamps parallelism to the remaining completions, so a larger value hides a placement bug rather than running faster',
    check: (job) => {
      const { parallelism, completions } = job.spec ?? {};
      return parallelism !== undefined && completions !== undefined && parallelism > completions
        ? [`spec.parallelism: Invalid value: ${parallelism}: must be less than or equal to completions (${completions})`]
        : [];
    },
  },
  {
    name: 'terminationGracePeriodSeconds at most 15',
    mirrors: 'Altus: GKE gives ordinary pods the first 15 s of a Spot VM\'s 30 s shutdown notice; a longer grace is cut short',
    check: (job) => {
      const grace = podSpec(job)?.terminationGracePeriodSeconds;
      return grace === undefined || grace > TERMINATION_GRACE_SECONDS
        ? [`spec.template.spec.terminationGracePeriodSeconds: Invalid value: ${grace}: must be set and at most ${TERMINATION_GRACE_SECONDS}`]
        : [];
    },
  },
  {
    name: 'extended resources (nvidia.com/gpu): whole numbers, requests equal to limits, never requests alone',
    mirrors: 'core validation ValidateResourceRequirements: "must be an integer" for extended resources, "must be equal to <name> limit" and "Limit must be set for non overcommitable resources"',
    check(job) {
      const problems: string[] = [];
      containers(job).forEach((c, i) => {
        const at = `spec.template.spec.containers[${i}].resources`;
        const limit = c.resources?.limits?.[GPU_RESOURCE];
        const request = c.resources?.requests?.[GPU_RESOURCE];
        if (limit !== undefined && !/^\d+$/.test(String(limit))) problems.push(`${at}.limits[${GPU_RESOURCE}]: Invalid value: "${limit}": must be an integer`);
        if (request !== undefined && limit === undefined) problems.push(`${at}.limits: Required value: Limit must be set for non overcommitable resources`);
        if (request !== undefined && limit !== undefined && String(request) !== String(limit)) {
          problems.push(`${at}.requests: Invalid value: "${request}": must be equal to ${GPU_RESOURCE} limit of ${limit}`);
        }
      });
      return problems;
    },
  },
  {
    name: 'a GPU pod selects a GPU pool of the cluster that has its accelerators, and tolerates the GPU taint; a CPU pod selects none',
    mirrors: 'Altus: GKE taints GPU nodes nvidia.com/gpu=present:NoSchedule and labels them cloud.google.com/gke-accelerator; infra/ labels every node altus.dev/pool. A GPU pod without the pool would stay Pending; a CPU pod on a GPU pool would be billed GPU prices',
    check(job, cluster) {
      if (!cluster) return [];
      const spec = podSpec(job);
      const gpus = gpuLimit(job);
      const pool = selectedGpuPool(job, cluster);
      const at = 'spec.template.spec';
      if (gpus === 0) return pool ? [`${at}.nodeSelector: ${POOL_LABEL}=${pool.name} is a GPU pool, but the pod asks for no ${GPU_RESOURCE}`] : [];
      if (!pool) {
        const names = cluster.gpuPools.map((p) => p.name);
        return [`${at}.nodeSelector: a pod asking for ${GPU_RESOURCE} must select a GPU pool of cluster ${cluster.name} by ${POOL_LABEL} (${names.length ? names.join(', ') : 'it has none'})`];
      }
      const problems: string[] = [];
      if (spec?.nodeSelector?.[ACCELERATOR_LABEL] !== pool.acceleratorType) problems.push(`${at}.nodeSelector: ${ACCELERATOR_LABEL} must be ${pool.acceleratorType} (pool ${pool.name})`);
      if (gpus > pool.acceleratorCount) problems.push(`${at}.containers: ${gpus} ${GPU_RESOURCE} exceed the ${pool.acceleratorCount} per node of pool ${pool.name}`);
      const tolerated = (spec?.tolerations ?? []).some((t) => t.key === GPU_TAINT.key && t.effect === GPU_TAINT.effect && (t.operator === 'Exists' || t.value === GPU_TAINT.value));
      if (!tolerated) problems.push(`${at}.tolerations: the ${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect} toleration must be present on a GPU pod`);
      return problems;
    },
  },
  {
    name: 'Spot node selector and toleration present iff the pool the pod runs on is Spot',
    mirrors: 'Altus: GKE taints Spot pools cloud.google.com/gke-spot=true:NoSchedule; without the toleration pods stay Pending, with the selector on an on-demand pool they never schedule. The pool is the cluster\'s batch pool, or the GPU pool a GPU pod selects',
    check(job, cluster) {
      if (!cluster) return [];
      const spec = podSpec(job);
      const pool = gpuLimit(job) > 0 ? selectedGpuPool(job, cluster) : undefined;
      const spot = pool ? pool.spot : cluster.spot;
      const what = pool ? `GPU pool ${pool.name} of cluster ${cluster.name}` : `cluster ${cluster.name}`;
      const selector = spec?.nodeSelector?.[SPOT_LABEL] === 'true';
      const toleration = (spec?.tolerations ?? []).some((t) => t.key === SPOT_LABEL && t.effect === 'NoSchedule' && (t.operator === 'Exists' || t.value === 'true'));
      const problems: string[] = [];
      if (selector !== spot) problems.push(`spec.template.spec.nodeSelector: ${SPOT_LABEL}=true must be ${spot ? 'present' : 'absent'} on ${spot ? 'Spot' : 'on-demand'} ${what}`);
      if (toleration !== spot) problems.push(`spec.template.spec.tolerations: the ${SPOT_LABEL} toleration must be ${spot ? 'present' : 'absent'} on ${spot ? 'Spot' : 'on-demand'} ${what}`);
      return problems;
    },
  },
];

/** Every rule's problems for `job`; the Spot rule applies only when the target cluster is given. */
export function jobRuleProblems(job: V1Job, cluster?: WorkerCluster): string[] {
  return JOB_RULES.flatMap((rule) => rule.check(job, cluster));
}
