/**
 * The local fleet's Job controller: runs an Indexed Job's indexes on the pod pool
 * with the semantics the Kubernetes Job controller gives them — parallelism,
 * per-index retries (`backoffLimitPerIndex`), the pod failure policy's exit-code
 * rules, `activeDeadlineSeconds` — and keeps a batch/v1-shaped status.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Job, V1JobCondition } from '@kubernetes/client-node';
import type { Logger } from '../../../shared/log.ts';
import { formatIndexes } from '../indexes.ts';
import { resolveLocalImage, type LocalImages } from './local-images.ts';
import type { PodPool } from './pod-pool.ts';

/** Exit code of a pod whose image the local fleet cannot stand in for (as the worker's "bad environment": not retried). */
const EXIT_IMAGE_UNAVAILABLE = 43;

/** The environment every "node" of the local fleet adds to its pods. */
export interface NodeEnvironment {
  /** Variables such as ALTUS_STORAGE, ALTUS_LOCAL_STORAGE_DIR, PUBSUB_EMULATOR_HOST. */
  env: Record<string, string>;
  /** Folder for per-pod logs (`<runId>/<job>/<index>-<try>.log`). */
  logDir: string;
  /** The image every built-in kernel runs (fleet configuration `workerImage`). */
  workerImage?: string;
  /** Folders standing in for custom kernel images (local-images.ts). */
  images?: LocalImages;
  /** The fleet's own notices (what it runs differently from GKE). */
  log?: Logger;
}

/** A Job under the local controller. */
export class LocalJob {
  private readonly pending: number[] = [];
  private readonly failures = new Map<number, number>();
  private readonly completed = new Set<number>();
  private readonly failed = new Set<number>();
  private readonly running = new Map<number, number>();
  private readonly conditions: V1JobCondition[] = [];
  private readonly startTime = new Date();
  private completionTime: Date | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly job: V1Job,
    readonly cluster: string,
    private readonly pool: PodPool,
    private readonly node: NodeEnvironment,
  ) {
    const completions = job.spec?.completions ?? 1;
    for (let i = 0; i < completions; i++) this.pending.push(i);
    const deadlineSeconds = job.spec?.activeDeadlineSeconds;
    if (deadlineSeconds) {
      this.deadline = setTimeout(() => this.finish('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'), deadlineSeconds * 1000);
      this.deadline.unref();
    }
    for (let i = 0; i < Math.min(this.parallelism, completions); i++) void this.runNext();
  }

  private get parallelism(): number {
    return this.job.spec?.parallelism ?? 1;
  }

  private async runNext(): Promise<void> {
    while (!this.stopped) {
      const index = this.pending.shift();
      if (index === undefined) return;
      const env = this.podEnv(index);
      const image = this.imageFolder();
      if ('problem' in image) {
        // Like a pod whose image cannot be pulled, except that waiting would not help here: fail the index with the reason in its log.
        appendFileSync(env.ALTUS_LOG_FILE!, JSON.stringify({ severity: 'ERROR', message: image.problem, time: new Date().toISOString() }) + '\n');
        this.onFailure(index, EXIT_IMAGE_UNAVAILABLE);
        this.checkDone();
        continue;
      }
      if (image.folder) env.ALTUS_KERNEL_WORKDIR = image.folder;
      const args = this.job.spec!.template.spec!.containers[0]!.args ?? [];
      const exit = await this.pool.run(env, args, (pid) => {
        // An index that was waiting for a slot when the Job stopped (deleted, cluster lost) must not run on.
        if (this.stopped) this.pool.kill(pid, 'SIGKILL');
        else this.running.set(index, pid);
      }, this.job.metadata?.uid ?? this.job.metadata?.name ?? '');
      this.running.delete(index);
      if (this.stopped) return;
      if (exit.exitCode === 0) this.completed.add(index);
      else this.onFailure(index, exit.exitCode);
      this.checkDone();
    }
  }

  private onFailure(index: number, exitCode: number): void {
    const spec = this.job.spec!;
    const failIndex = spec.podFailurePolicy?.rules.some(
      (rule) => rule.action === 'FailIndex' && rule.onExitCodes?.operator === 'In' && rule.onExitCodes.values.includes(exitCode),
    );
    const count = (this.failures.get(index) ?? 0) + 1;
    this.failures.set(index, count);
    if (failIndex || count > (spec.backoffLimitPerIndex ?? 6)) {
      this.failed.add(index);
      const maxFailed = spec.maxFailedIndexes;
      if (maxFailed !== undefined && this.failed.size > maxFailed) this.finish('Failed', 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes');
    } else {
      this.pending.push(index);
    }
  }

  private checkDone(): void {
    const completions = this.job.spec?.completions ?? 1;
    if (this.completed.size + this.failed.size < completions) return;
    if (this.failed.size > 0) this.finish('Failed', 'FailedIndexes', 'Job has failed indexes');
    else this.finish('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
  }

  private finish(type: 'Complete' | 'Failed', reason: string, message: string): void {
    if (this.completionTime) return;
    this.completionTime = new Date();
    this.conditions.push({ type, status: 'True', reason, message, lastTransitionTime: this.completionTime });
    if (type === 'Failed') this.stop();
    if (this.deadline) clearTimeout(this.deadline);
  }

  /** Stops scheduling and kills running pods (Job deletion, deadline). */
  stop(): void {
    this.stopped = true;
    for (const pid of this.running.values()) this.pool.kill(pid, 'SIGKILL');
    if (this.deadline) clearTimeout(this.deadline);
  }

  /** Pids running right now, by index (for fault injection). */
  runningPods(): ReadonlyMap<number, number> {
    return this.running;
  }

  /**
   * The local stand-in for the container's image: nothing for the worker image (the
   * worker process is that image), the folder of a custom image, or why there is none.
   */
  private imageFolder(): { folder?: string } | { problem: string } {
    const image = this.job.spec!.template.spec!.containers[0]!.image;
    if (!image || image === this.node.workerImage) return {};
    const folder = this.node.images && resolveLocalImage(this.node.images, image);
    if (folder) return { folder };
    return { problem: `the local fleet cannot run image ${image}: no container engine runs here, and altus.local-images.json names no folder for it (add "${image}": "<its build context>")` };
  }

  private podEnv(index: number): Record<string, string> {
    const env: Record<string, string> = { ...this.node.env, JOB_COMPLETION_INDEX: String(index) };
    const name = this.job.metadata!.name!;
    const runId = this.job.metadata?.labels?.['altus.dev/run-id'] ?? 'unlabelled';
    for (const variable of this.job.spec!.template.spec!.containers[0]!.env ?? []) {
      if (variable.value !== undefined) env[variable.name] = variable.value;
      else if (variable.valueFrom?.fieldRef?.fieldPath?.includes('job-index-failure-count')) {
        env[variable.name] = String(this.failures.get(index) ?? 0);
      }
    }
    const dir = join(this.node.logDir, runId, name);
    mkdirSync(dir, { recursive: true });
    env.ALTUS_LOG_FILE = join(dir, `${index}-${this.failures.get(index) ?? 0}.log`);
    return env;
  }

  /** The Job as the API returns it, with a batch/v1 status. */
  view(): V1Job {
    return {
      ...this.job,
      status: {
        active: this.running.size,
        succeeded: this.completed.size,
        failed: [...this.failures.values()].reduce((a, b) => a + b, 0),
        completedIndexes: formatIndexes(this.completed),
        ...(this.failed.size ? { failedIndexes: formatIndexes(this.failed) } : {}),
        startTime: this.startTime,
        ...(this.completionTime && this.conditions.some((c) => c.type === 'Complete') ? { completionTime: this.completionTime } : {}),
        conditions: this.conditions,
      },
    };
  }
}
