/**
 * What the node agent decides before it starts a pod's container, as a kubelet
 * does: the image must stand for something on this machine, and the container's
 * environment must resolve (the downward API, the image's PATH, the pod's
 * emptyDir folders). The outcome is the environment to start with, or the waiting
 * reason and event the kubelet reports instead: `ErrImagePull` (then
 * `ImagePullBackOff`) for an image it cannot pull, `CreateContainerConfigError`
 * for an environment it cannot build. Pure but for making the pod's folders.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { containerEnvironment, PodEnvironmentError } from './pod-env.ts';
import { emptyDirFolders } from './pod-files.ts';
import type { Waiting } from './pod-status.ts';

/** A pod whose image cannot be pulled goes from ErrImagePull to ImagePullBackOff after this long. */
export const IMAGE_BACKOFF_MILLISECONDS = 10_000;

/** What stands in for a container image on this machine: its working folder, or why there is none. */
export type ImageResolver = (image: string) => { folder?: string } | { problem: string };

/** What the node holds for every pod it admits. */
export interface AdmissionSetup {
  images: ImageResolver;
  /** What the node adds under each pod's own environment. */
  nodeEnv: Readonly<Record<string, string>>;
  /** Where the pod's emptyDir volumes live: `<volumesDir>/<pod uid>/<volume>`. */
  volumesDir: string;
  /** The pod's log file, passed to the worker as ALTUS_LOG_FILE. */
  logFile: string;
}

/** A container that cannot start: the status to post, the Warning event's reason and message. */
export interface Refusal {
  waiting: Waiting;
  event: { reason: string; message: string };
}

/** Start the container with `env`, or report `refusal` (and, after IMAGE_BACKOFF_MILLISECONDS, `backoff`). */
export type Admission = { env: Record<string, string> } | { refusal: Refusal; backoff?: Refusal };

/** Decides how the pod's first container starts on this node. */
export function admitContainer(pod: V1Pod, setup: AdmissionSetup): Admission {
  const container = pod.spec!.containers[0]!;
  const image = container.image ?? '';
  const resolved = setup.images(image);
  if ('problem' in resolved) {
    const pull = `Failed to pull image "${image}": ${resolved.problem}`;
    const backoff = `Back-off pulling image "${image}": ErrImagePull: ${resolved.problem}`;
    return {
      refusal: { waiting: { reason: 'ErrImagePull', message: pull }, event: { reason: 'Failed', message: pull } },
      backoff: { waiting: { reason: 'ImagePullBackOff', message: backoff }, event: { reason: 'BackOff', message: backoff } },
    };
  }
  let env: Record<string, string>;
  try {
    env = containerEnvironment(pod, container, setup.nodeEnv, emptyDirFolders(pod, container, setup.volumesDir));
  } catch (error) {
    if (!(error instanceof PodEnvironmentError)) throw error;
    return {
      refusal: { waiting: { reason: 'CreateContainerConfigError', message: error.message }, event: { reason: 'Failed', message: `Error: ${error.message}` } },
    };
  }
  if (resolved.folder) env.ALTUS_KERNEL_WORKDIR = resolved.folder;
  env.ALTUS_LOG_FILE = setup.logFile;
  return { env };
}
