/**
 * A reconcile fixture without emulators: the in-memory RunStore, a folder object
 * store, an in-memory fleet whose Jobs are built by the real Job builder (so
 * their shard mapping is what dispatch writes), and a bus that keeps what was
 * published. Counters show what a pass read.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';
import { TEST_FLEET_CONFIG } from './fleet-config.ts';
import type { RunDocument, ShardDocument } from '../../shared/documents.ts';
import { NO_FAULTS } from '../../shared/faults.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { shardKey } from '../../shared/ids.ts';
import { createLogger } from '../../shared/log.ts';
import type { TopicRole } from '../../shared/messages.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import type { Fleet } from '../../jobs/fleet/fleet.ts';
import { buildJob } from '../../jobs/fleet/job-builder.ts';
import { runObjects } from '../../shared/run-plan.ts';
import type { Dependencies } from '../../functions/pipeline/deps.ts';
import { MemoryRunStore } from './memory-run-store.ts';

/** The in-memory store, counting shard-record scans. */
export class CountingRunStore extends MemoryRunStore {
  scans = 0;
  override async listShards(runId: string) {
    this.scans++;
    return super.listShards(runId);
  }
}

/** Jobs by cluster; a cluster in `unreachable` throws as a dead API server would. */
export class MemoryFleet implements Fleet {
  readonly jobs = new Map<string, V1Job[]>();
  readonly unreachable = new Set<string>();
  listCalls = 0;
  async createJob(cluster: string, job: V1Job) {
    const list = this.jobs.get(cluster) ?? [];
    if (list.some((j) => j.metadata?.name === job.metadata?.name)) return 'exists' as const;
    this.jobs.set(cluster, [...list, job]);
    return 'created' as const;
  }
  async listJobs(cluster: string, _namespace: string, labelSelector: string) {
    this.listCalls++;
    if (this.unreachable.has(cluster)) throw new Error(`connect ECONNREFUSED (${cluster})`);
    const [key, value] = labelSelector.split('=') as [string, string];
    return (this.jobs.get(cluster) ?? []).filter((j) => j.metadata?.labels?.[key] === value);
  }
  async deleteJobs(cluster: string) {
    const n = this.jobs.get(cluster)?.length ?? 0;
    this.jobs.delete(cluster);
    return n;
  }
  /** Jobs deleted one by one, as `cluster/name`. */
  readonly deleted: string[] = [];
  async deleteJob(cluster: string, _namespace: string, name: string) {
    const list = this.jobs.get(cluster) ?? [];
    const kept = list.filter((j) => j.metadata?.name !== name);
    this.jobs.set(cluster, kept);
    if (kept.length === list.length) return false;
    this.deleted.push(`${cluster}/${name}`);
    return true;
  }
  /** Pods and events by cluster, as the kubelet, scheduler and Job controller leave them. */
  readonly pods = new Map<string, V1Pod[]>();
  readonly events = new Map<string, CoreV1Event[]>();
  podListCalls = 0;
  async listPods(cluster: string, _namespace: string, labelSelector: string) {
    this.podListCalls++;
    const [key, value] = labelSelector.split('=') as [string, string];
    return (this.pods.get(cluster) ?? []).filter((p) => p.metadata?.labels?.[key] === value);
  }
  async listEvents(cluster: string, _namespace: string, fieldSelector: string) {
    const name = /involvedObject\.name=([^,]+)/.exec(fieldSelector)?.[1];
    return (this.events.get(cluster) ?? []).filter((e) => e.involvedObject.name === name);
  }
}

export const NOW = new Date('2026-03-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

/** Dependencies over the fixture, and what they published. */
export function reconcileFixture() {
  const runs = new CountingRunStore();
  const fleet = new MemoryFleet();
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-reconcile-')));
  const published: Array<{ role: TopicRole; message: Record<string, unknown> }> = [];
  const fleetConfig = loadFleetConfig(TEST_FLEET_CONFIG);
  const deps: Dependencies = {
    runs,
    store,
    fleet,
    bus: { publish: async (role: TopicRole, message: unknown) => String(published.push({ role, message: message as Record<string, unknown> })) },
    fleetConfig,
    config: { projectId: 'demo-reconcile', buckets: { manifests: 'altus-manifests', results: 'altus-results' } },
    log: createLogger({ component: 'test', minimumSeverity: 'ERROR' }),
    now: () => NOW,
    faults: NO_FAULTS,
  };

  /** A RUNNING run of `shards` shards, all on worker-a (attempt 0), started 5 minutes ago. */
  async function runningRun(runId: string, shards: number, extra: Partial<RunDocument> = {}): Promise<RunDocument> {
    const run: RunDocument = {
      runId,
      name: runId,
      status: 'RUNNING',
      origin: { kind: 'request', requestId: runId },
      manifestHash: 'h',
      counts: { parameters: shards, shards, shardsSucceeded: 0, shardsFailed: 0, parametersFailed: 0 },
      attempt: 0,
      createdAt: minutesAgo(6),
      startedAt: minutesAgo(5),
      deadlineAt: minutesAgo(-55),
      planUri: runObjects.plan('altus-results', runId),
      placement: [{ cluster: 'worker-a', region: 'us-central1', offset: 0, count: shards, job: '' }],
      ...extra,
    };
    await runs.createRun(run);
    return run;
  }

  /** The run's attempt-0 Job on worker-a, as the builder makes it, with the given status. */
  function putJob(run: RunDocument, status: V1Job['status']): V1Job {
    const cluster = fleetConfig.clusters.find((c) => c.name === 'worker-a')!;
    const job = buildJob({
      fleet: fleetConfig,
      cluster,
      runId: run.runId,
      attempt: 0,
      shards: { offset: 0, count: run.counts.shards },
      planUri: run.planUri!,
      projectId: 'demo-reconcile',
      completionsTopic: 'projects/demo-reconcile/topics/altus-completions',
      retriesPerShard: 3,
      deadlineSeconds: 3600,
      rowsPerShard: 100,
    });
    job.status = status;
    fleet.jobs.set('worker-a', [job]);
    return job;
  }

  /** Records shards as collect would. */
  async function record(run: RunDocument, shards: number[], status: ShardDocument['status'] = 'succeeded') {
    for (const shard of shards) {
      await runs.recordShard(
        run.runId,
        { shard, status, attempt: 0, cluster: 'worker-a', parameters: 1, parametersFailed: 0, cpuSeconds: 1, recordedAt: NOW.toISOString() },
        run.counts.shards,
      );
    }
  }

  /** Leaves a shard's result (an NDJSON piece, or a Parquet part's bytes) and partial in the bucket, as a worker whose completion got lost would. */
  async function leaveResult(run: RunDocument, shard: number, format: 'ndjson' | 'parquet' = 'ndjson') {
    const key = shardKey(shard);
    await store.write(
      runObjects.shardResult('altus-results', run.runId, key, format),
      format === 'ndjson' ? `{"index":${shard},"params":{},"price":1}\n` : 'PAR1…PAR1',
    );
    await store.write(
      runObjects.shardPartial('altus-results', run.runId, key),
      JSON.stringify({ v: 1, runId: run.runId, shard, parameters: 1, parametersFailed: 0, metrics: {} }),
    );
  }

  return { deps, runs, fleet, store, published, runningRun, putJob, record, leaveResult, minutesAgo };
}
