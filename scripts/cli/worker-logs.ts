/**
 * `altus logs`: where a run's worker logs are. Locally the fleet writes one file
 * per pod, `<logDir>/pods/<runId>/<job>/<index>-<try>.log`, where index is the
 * Job index, not the shard: the run's shard ownership (shared/shard-ownership.ts)
 * maps one to the other. In the cloud the same lines are in Cloud Logging,
 * labelled by the worker.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDocument } from '../../shared/documents.ts';
import { ShardOwnership, type ShardSlot } from '../../shared/shard-ownership.ts';

/** One pod's place in a run: which Job index computed which shard. */
export type PodSlot = ShardSlot;

/** A pod's log file. */
export interface PodLogFile extends PodSlot {
  try: number;
  path: string;
}

/** Every (Job, index) that computed `shard` (or every shard), in dispatch order. */
export function podSlots(run: RunDocument, shard?: number): PodSlot[] {
  return ShardOwnership.of(run).slotsOf(shard);
}

/** The local log files of the slots, by slot then try; slots whose pod never ran have none. */
export function localLogFiles(podsDir: string, run: RunDocument, slots: readonly PodSlot[]): PodLogFile[] {
  const listings = new Map<string, string[]>();
  const list = (job: string) => {
    if (!listings.has(job)) {
      try {
        listings.set(job, readdirSync(join(podsDir, run.runId, job)));
      } catch {
        listings.set(job, []);
      }
    }
    return listings.get(job)!;
  };
  return slots.flatMap((slot) =>
    list(slot.job)
      .map((name) => /^(\d+)-(\d+)\.log$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) === slot.index)
      .map((m) => ({ ...slot, try: Number(m[2]), path: join(podsDir, run.runId, slot.job, m[0]) }))
      .sort((a, b) => a.try - b.try),
  );
}

/** A Cloud Logging query for the run's worker logs (one shard's, when given), and how to run it. */
export function cloudLogQuery(projectId: string, runId: string, shard?: number): { filter: string; command: string; consoleUrl: string } {
  // The worker logs JSON lines whose `logging.googleapis.com/labels` become the entry's labels.
  const filter = [
    'resource.type="k8s_container"',
    'resource.labels.container_name="worker"',
    'labels.component="worker"',
    `labels.runId="${runId}"`,
    ...(shard === undefined ? [] : [`labels.shard="${shard}"`]),
  ].join('\n');
  const command = `gcloud logging read '${filter.replace(/\n/g, ' AND ')}' --project=${projectId} --freshness=30d --order=asc --format='value(timestamp,severity,labels.cluster,labels.shard,jsonPayload.message)'`;
  const consoleUrl = `https://console.cloud.google.com/logs/query;query=${encodeURIComponent(filter)}?project=${encodeURIComponent(projectId)}`;
  return { filter, command, consoleUrl };
}
