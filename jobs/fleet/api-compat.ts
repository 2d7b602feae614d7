/**
 * What a worker cluster's API server must offer Altus Jobs, checked from its
 * answers (pure): a server version of at least 1.29 (the first release with
 * `backoffLimitPerIndex` and `podReplacementPolicy` on by default), and a created
 * Job that still carries the batch fields it was sent with. A server whose
 * feature gate is off drops such a field without an error, and the Job would then
 * run with a whole-Job retry budget that a Spot preemption spends.
 */
import type { V1Job, VersionInfo } from '@kubernetes/client-node';

/** The oldest Kubernetes minor release Altus Jobs run correctly on. */
export const MIN_SERVER_VERSION = { major: 1, minor: 29 } as const;

/** A server's version, as major and minor numbers. */
export interface ServerVersion {
  major: number;
  minor: number;
  /** As the server wrote it (`v1.30.5-gke.1014001`). */
  text: string;
}

/**
 * The server's version from its `/version` answer: from `gitVersion` (GKE writes
 * `v1.30.5-gke.1014001`), else from `major` and `minor` (GKE writes minor as `30+`).
 */
export function parseServerVersion(info: Pick<VersionInfo, 'gitVersion' | 'major' | 'minor'>): ServerVersion | undefined {
  const git = /^v?(\d+)\.(\d+)/.exec(info.gitVersion ?? '');
  if (git) return { major: Number(git[1]), minor: Number(git[2]), text: info.gitVersion };
  const major = Number.parseInt(info.major ?? '', 10);
  const minor = Number.parseInt(info.minor ?? '', 10);
  return Number.isFinite(major) && Number.isFinite(minor) ? { major, minor, text: `${info.major}.${info.minor}` } : undefined;
}

/** Why `version` is too old for Altus Jobs, or undefined when it is recent enough. */
export function versionProblem(cluster: string, version: ServerVersion): string | undefined {
  const { major, minor } = MIN_SERVER_VERSION;
  if (version.major > major || (version.major === major && version.minor >= minor)) return undefined;
  return `cluster ${cluster} runs Kubernetes ${version.text}; Altus Jobs need ${major}.${minor} or later (backoffLimitPerIndex and podReplacementPolicy on by default). Upgrade the cluster or take it out of the fleet configuration`;
}

/** The batch fields of `sent` that `stored` (the server's copy) lost. */
export function droppedBatchFields(sent: V1Job, stored: V1Job): string[] {
  const fields = ['backoffLimitPerIndex', 'podReplacementPolicy', 'podFailurePolicy'] as const;
  return fields.filter((f) => sent.spec?.[f] !== undefined && stored.spec?.[f] === undefined).map((f) => `spec.${f}`);
}
