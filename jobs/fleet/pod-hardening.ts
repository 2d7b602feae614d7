/**
 * What makes a worker pod a well-behaved batch pod on GKE, beyond where it runs:
 * - a restricted security context (non-root numeric user, no privilege escalation,
 *   every capability dropped, read-only root file system, seccomp RuntimeDefault),
 *   so a namespace enforcing the `restricted` Pod Security Standard admits it;
 * - a scratch emptyDir with a size limit, mounted at /tmp (TMPDIR), where the
 *   worker stages shard rows and a custom kernel's input and output: the only
 *   writable place in the container;
 * - ephemeral-storage requests and limits sized from the shard's expected output,
 *   so the scheduler places the pod on a node with room and the kubelet does not
 *   evict it, again and again, for filling a shared disk;
 * - `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"`, so scale-down does
 *   not evict a running shard.
 */
import type { V1Container, V1PodSecurityContext, V1Volume } from '@kubernetes/client-node';

/** The worker image's user and group (the `node` user of the Node base image, by number: runAsNonRoot needs a number). */
export const WORKER_UID = 1000;
/** The scratch volume's name and where it is mounted (the worker's TMPDIR). */
export const SCRATCH = { volume: 'scratch', path: '/tmp' } as const;
/** The cluster autoscaler's per-pod opt-out of scale-down. */
export const SAFE_TO_EVICT_ANNOTATION = 'cluster-autoscaler.kubernetes.io/safe-to-evict';
/**
 * Bytes one result row may take when staged, generously: parameters echoed plus a
 * kernel's outputs as JSON. A custom kernel stages its input rows too, hence the
 * factor of two in {@link scratchMebibytes}.
 */
export const STAGED_BYTES_PER_ROW = 4096;
/** Scratch room every shard gets whatever its size (tsx's compile cache, small files). */
export const SCRATCH_BASE_MEBIBYTES = 64;
/** Ephemeral storage beyond scratch: container logs and the writable layer's bookkeeping. */
export const EPHEMERAL_OVERHEAD_MEBIBYTES = 256;

const MEBIBYTE = 1024 * 1024;

/** The scratch emptyDir's size limit for a shard of `rowsPerShard` rows, in MiB. */
export function scratchMebibytes(rowsPerShard: number): number {
  return SCRATCH_BASE_MEBIBYTES + Math.ceil((2 * rowsPerShard * STAGED_BYTES_PER_ROW) / MEBIBYTE);
}

/** The pod's `ephemeral-storage` request and limit (equal) for a shard of `rowsPerShard` rows. */
export function ephemeralStorage(rowsPerShard: number): string {
  return `${scratchMebibytes(rowsPerShard) + EPHEMERAL_OVERHEAD_MEBIBYTES}Mi`;
}

/** The pod-level security context of the `restricted` profile. */
export const POD_SECURITY_CONTEXT: V1PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: WORKER_UID,
  runAsGroup: WORKER_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The container-level security context of the `restricted` profile, with a read-only root file system. */
export const CONTAINER_SECURITY_CONTEXT: NonNullable<V1Container['securityContext']> = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** The scratch volume for a shard of `rowsPerShard` rows. */
export function scratchVolume(rowsPerShard: number): V1Volume {
  return { name: SCRATCH.volume, emptyDir: { sizeLimit: `${scratchMebibytes(rowsPerShard)}Mi` } };
}
