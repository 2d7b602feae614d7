/**
 * Why a Job's pods do not run, read the way the kubelet, the scheduler and the
 * Job controller report it (pure):
 * - a container waiting with ErrImagePull, ImagePullBackOff or InvalidImageName
 *   (the kubelet cannot pull the image) → IMAGE_PULL_FAILED;
 * - a pod whose PodScheduled condition is False with reason Unschedulable (no node
 *   fits: no capacity, a GPU pool at its quota) → UNSCHEDULABLE;
 * - FailedCreate events on the Job (the API server refused its pods: a missing
 *   service account or priority class, a quota, Pod Security) → POD_CREATE_FAILED,
 *   flagged `capacity` when the refusal is a quota that other pods use up.
 * The message quotes the component's own words, so the run says what to fix.
 */
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

/** The kubelet's waiting reasons for an image it cannot pull. */
export const IMAGE_PULL_REASONS = ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'] as const;

/** What keeps a Job's pods from running. */
export interface StallCause {
  code: 'IMAGE_PULL_FAILED' | 'UNSCHEDULABLE' | 'POD_CREATE_FAILED';
  /** For a person: which pod or Job, and the component's own message. */
  message: string;
  /** The cause is a lack of room (no node fits, a quota is used up): another cluster may take the shards. */
  capacity: boolean;
}

/** Whether any pod of the Job is running (its Job is not stalled, however slow). */
export function anyPodRunning(pods: readonly V1Pod[]): boolean {
  return pods.some((p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded');
}

/** The cause that keeps `job`'s pods from running, from its pods and its events; undefined when they say none. */
export function diagnoseStall(job: string, pods: readonly V1Pod[], events: readonly CoreV1Event[]): StallCause | undefined {
  for (const pod of pods) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const status of statuses) {
      const waiting = status.state?.waiting;
      if (waiting?.reason && (IMAGE_PULL_REASONS as readonly string[]).includes(waiting.reason)) {
        const image = pod.spec?.containers.find((c) => c.name === status.name)?.image ?? status.image;
        return {
          code: 'IMAGE_PULL_FAILED',
          message: `pod ${pod.metadata?.name} of Job ${job} cannot pull image ${image}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
          capacity: false,
        };
      }
    }
  }
  const refused = events.filter((e) => e.reason === 'FailedCreate').sort((a, b) => eventTime(b) - eventTime(a))[0];
  if (refused) {
    return {
      code: 'POD_CREATE_FAILED',
      message: `the Job controller cannot create pods of Job ${job}: ${refused.message ?? 'FailedCreate'}`,
      capacity: refusedByQuota(refused),
    };
  }
  for (const pod of pods) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return {
        code: 'UNSCHEDULABLE',
        message: `pod ${pod.metadata?.name} of Job ${job} cannot be scheduled: ${scheduled.message ?? 'Unschedulable'}`,
        capacity: true,
      };
    }
  }
  return undefined;
}

/**
 * Whether the ResourceQuota admission refused the pods (room may come as other pods end).
 * A FailedCreate event has no finer reason or code: the admission's own text
 * ("exceeded quota") is the only signal Kubernetes gives, so it is read here, once.
 */
function refusedByQuota(event: CoreV1Event): boolean {
  return /exceeded quota/i.test(event.message ?? '');
}

function eventTime(event: CoreV1Event): number {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  return at ? new Date(at as unknown as string).getTime() : 0;
}
