/**
 * Pod statuses as the kubelet reports them (pure), for the node agent to post:
 * waiting for an image, running, terminated with the container's exit code, and
 * the two kubelet-initiated disruptions — a graceful node shutdown (how GKE
 * reports a Spot reclaim) and a node-pressure eviction — each with the
 * `DisruptionTarget` condition the Job controller's pod failure policy reads.
 */
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

/** Why a kubelet ended a pod that did not end by itself. */
export type KubeletDisruption = 'node-shutdown' | 'eviction';

/** The kubelet's words for each disruption (pkg/kubelet/nodeshutdown, pkg/kubelet/eviction). */
export const DISRUPTION_TEXT: Record<KubeletDisruption, { reason: string; message: string }> = {
  'node-shutdown': { reason: 'Terminated', message: 'Pod was terminated in response to imminent node shutdown.' },
  eviction: { reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage. Threshold quantity: 10%, available: 8%. ' },
};

/** A container that is not running: what it waits for. */
export interface Waiting {
  reason: string;
  message: string;
}

/** A container that ended. */
export interface Terminated {
  exitCode: number;
  signal?: number;
  startedAt: Date;
  finishedAt: Date;
  /** Set when a kubelet decision ended it. */
  disruption?: KubeletDisruption;
}

const condition = (type: string, status: 'True' | 'False', at: Date, reason?: string, message?: string): V1PodCondition => ({
  type,
  status,
  lastTransitionTime: at,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

function containerStatus(pod: V1Pod, state: V1ContainerStatus['state'], ready: boolean): V1ContainerStatus[] {
  return (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready,
    restartCount: 0,
    started: state?.running !== undefined,
    ...(state?.running || state?.terminated ? { containerID: `altus://${pod.metadata?.uid}/${c.name}` } : {}),
    state,
  }));
}

/** Scheduled, but a container cannot start yet (ErrImagePull, ImagePullBackOff, CreateContainerConfigError). */
export function waitingStatus(pod: V1Pod, waiting: Waiting, since: Date): V1PodStatus {
  return {
    phase: 'Pending',
    hostIP: '127.0.0.1',
    startTime: since,
    conditions: [
      condition('PodScheduled', 'True', since),
      condition('Initialized', 'True', since),
      condition('Ready', 'False', since, 'ContainersNotReady', `containers with unready status: [${pod.spec?.containers.map((c) => c.name).join(' ')}]`),
      condition(
        'ContainersReady',
        'False',
        since,
        'ContainersNotReady',
        `containers with unready status: [${pod.spec?.containers.map((c) => c.name).join(' ')}]`,
      ),
    ],
    containerStatuses: containerStatus(pod, { waiting }, false),
  };
}

/** The container runs. */
export function runningStatus(pod: V1Pod, startedAt: Date): V1PodStatus {
  return {
    phase: 'Running',
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    startTime: startedAt,
    conditions: [
      condition('PodScheduled', 'True', startedAt),
      condition('Initialized', 'True', startedAt),
      condition('Ready', 'True', startedAt),
      condition('ContainersReady', 'True', startedAt),
    ],
    containerStatuses: containerStatus(pod, { running: { startedAt } }, true),
  };
}

/**
 * The container ended (restartPolicy Never): Succeeded on exit 0, else Failed.
 * A kubelet disruption fails the pod whatever the exit code, with the
 * DisruptionTarget condition (reason TerminationByKubelet) and the pod's reason.
 */
export function terminatedStatus(pod: V1Pod, end: Terminated): V1PodStatus {
  const disruption = end.disruption ? DISRUPTION_TEXT[end.disruption] : undefined;
  const succeeded = end.exitCode === 0 && !disruption;
  const reason = end.exitCode === 0 ? 'Completed' : 'Error';
  const phaseReason = succeeded ? 'PodCompleted' : 'PodFailed';
  return {
    phase: succeeded ? 'Succeeded' : 'Failed',
    hostIP: '127.0.0.1',
    startTime: end.startedAt,
    ...(disruption ? { reason: disruption.reason, message: disruption.message } : {}),
    conditions: [
      ...(disruption ? [condition('DisruptionTarget', 'True', end.finishedAt, 'TerminationByKubelet', disruption.message)] : []),
      condition('PodScheduled', 'True', end.startedAt),
      condition('Initialized', 'True', end.startedAt),
      condition('Ready', 'False', end.finishedAt, phaseReason),
      condition('ContainersReady', 'False', end.finishedAt, phaseReason),
    ],
    containerStatuses: containerStatus(
      pod,
      {
        terminated: {
          exitCode: end.exitCode,
          ...(end.signal !== undefined ? { signal: end.signal } : {}),
          reason,
          startedAt: end.startedAt,
          finishedAt: end.finishedAt,
          containerID: `altus://${pod.metadata?.uid}`,
        },
      },
      false,
    ),
  };
}
