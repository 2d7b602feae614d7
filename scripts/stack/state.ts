/**
 * The running local stack, described in `<home>/stack.json` by the supervisor:
 * what `altus up --json` prints and what every other command reads to find it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicRole } from '../../shared/messages.ts';

/**
 * Reconcile's grace on the stacks of `npm test` and the chaos suite
 * (ALTUS_RECONCILE_GRACE_SECONDS; the default is 60 s): long enough for a
 * completion to reach collect on this machine, short enough that a lost shard
 * is re-dispatched within a test's patience. The benchmarks keep the default.
 */
export const TEST_RECONCILE_GRACE_SECONDS = '15';

/** Names of the functions the stack serves. */
export const STACK_FUNCTIONS = ['ingest', 'run-request', 'dispatch', 'collect', 'aggregate', 'reconcile'] as const;
export type StackFunction = (typeof STACK_FUNCTIONS)[number];

/** Everything a client needs to use the stack. */
export interface StackInfo {
  status: 'starting' | 'ready' | 'failed' | 'stopping';
  error?: string;
  supervisorPid: number;
  home: string;
  projectId: string;
  pubsubEmulatorHost: string;
  firestoreEmulatorHost: string;
  topics: Record<TopicRole, string>;
  buckets: { manifests: string; results: string };
  storageDir: string;
  functions: Record<StackFunction, string>;
  /** The local fleet's own endpoints: the cluster view and fault injection (jobs/fleet/local/fault-api.ts). */
  localFleetUrl: string;
  /** The operator's kubeconfig: one context per worker cluster's real API server (`kubectl --kubeconfig … get jobs -A`). */
  kubeconfig: string;
  /** The read-only dashboard (web app and JSON API). */
  dashboardUrl: string;
  /** URL the local Eventarc posts object-finalized CloudEvents to (the ingest function). */
  ingestUrl: string;
  logDir: string;
  startedAt: string;
}

/** Path of the state file. */
export function stackFile(home: string): string {
  return join(home, 'stack.json');
}

/** Reads the state file, or null when no stack has written one. */
export function readStack(home: string): StackInfo | null {
  const file = stackFile(home);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  } catch {
    return null;
  }
}

/** Writes the state file atomically. */
export function writeStack(home: string, info: StackInfo): void {
  const file = stackFile(home);
  writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** The environment that points a client or a function at the stack. */
export function stackEnvironment(info: StackInfo): Record<string, string> {
  return {
    ALTUS_PROJECT_ID: info.projectId,
    FIRESTORE_EMULATOR_HOST: info.firestoreEmulatorHost,
    PUBSUB_EMULATOR_HOST: info.pubsubEmulatorHost,
    ALTUS_STORAGE: 'local',
    ALTUS_LOCAL_STORAGE_DIR: info.storageDir,
    ALTUS_MANIFESTS_BUCKET: info.buckets.manifests,
    ALTUS_RESULTS_BUCKET: info.buckets.results,
    ALTUS_FLEET: 'local',
    ALTUS_LOCAL_KUBECONFIG: info.kubeconfig,
  };
}
