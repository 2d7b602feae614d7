/**
 * Altus's own rules for the Jobs it dispatches: the invariants of the fleet that
 * no Kubernetes API server checks (Spot and GPU placement, the grace period a
 * Spot VM allows). What the API server itself validates is left to the API
 * server: the e2e tests submit every Job shape Altus builds to the real
 * kube-apiserver (test/e2e/job-admission.test.ts), and the fleet creates Jobs
 * with strict field validation.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { GpuPool, WorkerCluster } from '../../shared/fleet-config.ts';
import { ACCELERATOR_LABEL, GPU_RESOURCE, GPU_TAINT, POOL_LABEL } from '../../shared/resources.ts';
import { SPOT_LABEL, TERMINATION_GRACE_SECONDS } from './job-builder.ts';

/** One fleet rule: its name, why Altus holds it, and the problems it finds. */
export interface FleetRule {
  name: string;
  why: string;
  check(job: V1Job, cluster?: WorkerCluster): string[];
}

const podSpec = (job: V1Job) => job.spec?.template?.spec;
const containers = (job: V1Job) => podSpec(job)?.containers ?? [];
/** GPUs the pod asks for (the largest limit over its containers), 0 for none. */
const gpuLimit = (job: V1Job) => Math.max(0, ...containers(job).map((c) => Number(c.resources?.limits?.[GPU_RESOURCE] ?? 0)));
/** The GPU pool of `cluster` the pod selects by its pool label, if any. */
const selectedGpuPool = (job: V1Job, cluster: WorkerCluster): GpuPool | undefined =>
  cluster.gpuPools.find((p) => p.name === podSpec(job)?.nodeSelector?.[POOL_LABEL]);

/** The rules, in the order they are reported. */
export const FLEET_RULES: readonly FleetRule[] = [
  {
    name: 'parallelism at most completions',
    why: 'the Job controller clamps parallelism to the remaining completions, so a larger value hides a placement bug rather than running faster',
    check: (job) => {
      const { parallelism, completions } = job.spec ?? {};
      return parallelism !== undefined && completions !== undefined && parallelism > completions
        ? [`spec.parallelism: Invalid value: ${parallelism}: must be less than or equal to completions (${completions})`]
        : [];
    },
  },
  {
    name: 'terminationGracePeriodSeconds at most 15',
    why: "GKE gives ordinary pods the first 15 s of a Spot VM's 30 s shutdown notice; a longer grace is cut short",
    check: (job) => {
      const grace = podSpec(job)?.terminationGracePeriodSeconds;
      return grace === undefined || grace > TERMINATION_GRACE_SECONDS
        ? [`spec.template.spec.terminationGracePeriodSeconds: Invalid value: ${grace}: must be set and at most ${TERMINATION_GRACE_SECONDS}`]
        : [];
    },
  },
  {
    name: 'a GPU pod selects a GPU pool of the cluster that has its accelerators, and tolerates the GPU taint; a CPU pod selects none',
    why: 'GKE taints GPU nodes nvidia.com/gpu=present:NoSchedule and labels them cloud.google.com/gke-accelerator; infra/ labels every node altus.dev/pool. A GPU pod without the pool would stay Pending; a CPU pod on a GPU pool would be billed GPU prices',
    check(job, cluster) {
      if (!cluster) return [];
      const spec = podSpec(job);
      const gpus = gpuLimit(job);
      const pool = selectedGpuPool(job, cluster);
      const at = 'spec.template.spec';
      if (gpus === 0) return pool ? [`${at}.nodeSelector: ${POOL_LABEL}=${pool.name} is a GPU pool, but the pod asks for no ${GPU_RESOURCE}`] : [];
      if (!pool) {
        const names = cluster.gpuPools.map((p) => p.name);
        return [
          `${at}.nodeSelector: a pod asking for ${GPU_RESOURCE} must select a GPU pool of cluster ${cluster.name} by ${POOL_LABEL} (${names.length ? names.join(', ') : 'it has none'})`,
        ];
      }
      const problems: string[] = [];
      if (spec?.nodeSelector?.[ACCELERATOR_LABEL] !== pool.acceleratorType)
        problems.push(`${at}.nodeSelector: ${ACCELERATOR_LABEL} must be ${pool.acceleratorType} (pool ${pool.name})`);
      if (gpus > pool.acceleratorCount)
        problems.push(`${at}.containers: ${gpus} ${GPU_RESOURCE} exceed the ${pool.acceleratorCount} per node of pool ${pool.name}`);
      const tolerated = (spec?.tolerations ?? []).some(
        (t) => t.key === GPU_TAINT.key && t.effect === GPU_TAINT.effect && (t.operator === 'Exists' || t.value === GPU_TAINT.value),
      );
      if (!tolerated) problems.push(`${at}.tolerations: the ${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect} toleration must be present on a GPU pod`);
      return problems;
    },
  },
  {
    name: 'Spot node selector and toleration present iff the pool the pod runs on is Spot',
    why: "GKE taints Spot pools cloud.google.com/gke-spot=true:NoSchedule; without the toleration pods stay Pending, with the selector on an on-demand pool they never schedule. The pool is the cluster's batch pool, or the GPU pool a GPU pod selects",
    check(job, cluster) {
      if (!cluster) return [];
      const spec = podSpec(job);
      const pool = gpuLimit(job) > 0 ? selectedGpuPool(job, cluster) : undefined;
      const spot = pool ? pool.spot : cluster.spot;
      const what = pool ? `GPU pool ${pool.name} of cluster ${cluster.name}` : `cluster ${cluster.name}`;
      const selector = spec?.nodeSelector?.[SPOT_LABEL] === 'true';
      const toleration = (spec?.tolerations ?? []).some(
        (t) => t.key === SPOT_LABEL && t.effect === 'NoSchedule' && (t.operator === 'Exists' || t.value === 'true'),
      );
      const problems: string[] = [];
      if (selector !== spot)
        problems.push(`spec.template.spec.nodeSelector: ${SPOT_LABEL}=true must be ${spot ? 'present' : 'absent'} on ${spot ? 'Spot' : 'on-demand'} ${what}`);
      if (toleration !== spot)
        problems.push(
          `spec.template.spec.tolerations: the ${SPOT_LABEL} toleration must be ${spot ? 'present' : 'absent'} on ${spot ? 'Spot' : 'on-demand'} ${what}`,
        );
      return problems;
    },
  },
];

/** Every rule's problems for `job`; the placement rules apply only when the target cluster is given. */
export function fleetRuleProblems(job: V1Job, cluster?: WorkerCluster): string[] {
  return FLEET_RULES.flatMap((rule) => rule.check(job, cluster));
}
