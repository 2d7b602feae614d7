/**
 * The files a pod has on a local node: its log (`<logDir>/<runId>/<job>/<index>-<failures>.log`,
 * where `altus logs` and `kubectl logs` find it) and its emptyDir volumes, folders of its
 * own for its lifetime (`<volumesDir>/<pod uid>/<volume>`): nothing is mounted without a
 * container runtime, so pod-env.ts points the container's paths at them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';

const JOB_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const INDEX_FAILURES_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';

/** The pod's log file (its folder is made). */
export function podLogFile(pod: V1Pod, logDir: string): string {
  const runId = pod.metadata?.labels?.['altus.dev/run-id'] ?? 'unlabelled';
  const job = pod.metadata?.labels?.[JOB_NAME_LABEL] ?? pod.metadata?.name ?? 'pod';
  const index = pod.metadata?.labels?.[JOB_INDEX_LABEL] ?? pod.metadata?.annotations?.[JOB_INDEX_LABEL] ?? '0';
  const failures = pod.metadata?.annotations?.[INDEX_FAILURES_ANNOTATION] ?? '0';
  const dir = join(logDir, runId, job);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${index}-${failures}.log`);
}

/** The container's emptyDir mounts as folders (made), by mount path. */
export function emptyDirFolders(pod: V1Pod, container: V1Container, volumesDir: string): Record<string, string> {
  const mounts: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    if (!pod.spec?.volumes?.some((v) => v.name === mount.name && v.emptyDir)) continue;
    const folder = join(volumesDir, pod.metadata!.uid!, mount.name);
    mkdirSync(folder, { recursive: true });
    mounts[mount.mountPath] = folder;
  }
  return mounts;
}
