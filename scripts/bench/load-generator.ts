/**
 * The control-plane benchmark's stand-in for worker pods: it measures the
 * functions and the messaging, not how fast this machine's Kubernetes turns pods
 * over (that is measured on its own, `podTurnover`). Each worker cluster's pod
 * quota is set to 0, so the real Job controller creates no pod for the Jobs
 * dispatch creates; this process reads each Job and runs every index with the
 * worker runtime and exactly the environment the index's pod would get
 * (JOB_COMPLETION_INDEX, the downward API), so each index writes its result and
 * publishes its completion as a pod would.
 *
 *     tsx scripts/bench/load-generator.ts --stack <stack.json> [--concurrency C] [--namespace N]
 *
 * It serves every Altus Job that appears after its first listing (it prints
 * READY_LINE then), until it is stopped (SIGTERM), and is metered like a pod (the
 * bench sets ALTUS_METER_ROLE=worker).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchV1Api, CoreV1Api, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { parseMeterSettings } from '../../shared/config.ts';
import { createMeter } from '../../shared/metering.ts';
import { LABELS } from '../../jobs/fleet/job-builder.ts';
import { localClusterAccess } from '../../jobs/fleet/local/local-access.ts';
import { containerEnvironment } from '../../jobs/fleet/local/pod-env.ts';
import { runWorker, WorkerCache } from '../../jobs/worker/worker.ts';
import type { StackInfo } from '../stack/state.ts';

/** What the generator prints once it has listed the Jobs already there: runs submitted after it are served. */
export const READY_LINE = 'load generator: ready';

/** The bootstrap's quota object: its `pods` limit decides whether the Job controller may create pods. */
const QUOTA = 'altus-workers';

/** Sets the pod quota of every worker cluster (0: no pods; the bootstrap's value to restore). */
export async function setPodQuota(stack: StackInfo, namespace: string, clusters: readonly string[], pods: string): Promise<void> {
  const access = localClusterAccess(stack.kubeconfig);
  for (const cluster of clusters) {
    const core = (await access(cluster)).makeApiClient(CoreV1Api);
    const quota = await core.readNamespacedResourceQuota({ name: QUOTA, namespace });
    quota.spec = { ...quota.spec, hard: { ...quota.spec?.hard, pods } };
    await core.replaceNamespacedResourceQuota({ name: QUOTA, namespace, body: quota });
  }
}

/** The pod the Job controller would make for index `index` of `job`. */
function podFor(job: V1Job, index: number): V1Pod {
  const template = job.spec!.template;
  return {
    metadata: {
      name: `${job.metadata!.name}-${index}-bench`,
      namespace: job.metadata!.namespace,
      labels: { ...template.metadata?.labels, 'batch.kubernetes.io/job-completion-index': String(index), 'batch.kubernetes.io/job-name': job.metadata!.name! },
      annotations: { 'batch.kubernetes.io/job-completion-index': String(index), 'batch.kubernetes.io/job-index-failure-count': '0' },
    },
    spec: template.spec!,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stack: { type: 'string' }, concurrency: { type: 'string' }, namespace: { type: 'string' } } });
  const stack = JSON.parse(readFileSync(values.stack!, 'utf8')) as StackInfo;
  const concurrency = Number(values.concurrency ?? 2);
  const namespace = values.namespace ?? 'altus';
  const access = localClusterAccess(stack.kubeconfig);
  const clusters = JSON.parse(readFileSync(join(stack.home, 'kube', 'clusters.json'), 'utf8')) as Array<{ name: string }>;
  const nodeEnv = {
    ALTUS_STORAGE: 'local',
    ALTUS_LOCAL_STORAGE_DIR: stack.storageDir,
    PUBSUB_EMULATOR_HOST: stack.pubsubEmulatorHost,
    ALTUS_LOG_FILE: '/dev/null',
    ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
  };
  const queue: Array<{ job: V1Job; index: number }> = [];
  const seen = new Set<string>();
  // Metered like a pod (the bench starts it with ALTUS_METER_ROLE=worker).
  const cache = new WorkerCache(createMeter(parseMeterSettings(process.env)));
  // New Jobs are picked up as dispatch creates them (one per cluster, more after a re-dispatch).
  // The Jobs of the first listing are earlier runs' (the bench submits only once this process
  // says it is ready): they are remembered and never served. A start-time cut-off instead
  // (creationTimestamp, whole seconds) lost a Job created while this process was still loading
  // on a busy machine, and the section then waited its whole timeout for indexes nobody ran.
  const poll = async (serve: boolean) => {
    for (const { name } of clusters) {
      const batch = (await access(name)).makeApiClient(BatchV1Api);
      for (const job of (await batch.listNamespacedJob({ namespace, labelSelector: `${LABELS.managedBy}=altus` })).items) {
        if (seen.has(job.metadata!.uid!)) continue;
        seen.add(job.metadata!.uid!);
        if (!serve) continue;
        const completions = job.spec?.completions ?? 1;
        for (let index = 0; index < completions; index++) queue.push({ job, index });
      }
    }
  };
  const worker = async () => {
    for (;;) {
      const next = queue.shift();
      if (!next) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const pod = podFor(next.job, next.index);
      const container = pod.spec!.containers[0]!;
      const env = { ...containerEnvironment(pod, container, nodeEnv), JOB_COMPLETION_INDEX: String(next.index) };
      await runWorker(env, cache, container.args ?? []);
    }
  };
  await poll(false);
  setInterval(() => void poll(true).catch((error: Error) => process.stderr.write(`load generator: ${error.message}\n`)), 500);
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write(`${READY_LINE}\n`);
  await Promise.all(Array.from({ length: concurrency }, worker));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: Error) => {
    process.stderr.write(`load generator: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
