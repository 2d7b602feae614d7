/**
 * The node agent: the project's stand-in for the kubelet on the nodes of one
 * local worker cluster. It registers the nodes and keeps their leases, watches
 * the pods the real scheduler binds to them, runs each as a worker process with
 * exactly the pod's environment, and reports pod status as a kubelet does:
 * Pending with a waiting reason (ErrImagePull for an image it has no folder for),
 * Running, then Succeeded or Failed with the container's exit code. A deleted pod
 * gets SIGTERM, then SIGKILL after its grace period, on its whole process group.
 *
 * Faults are modelled the way Kubernetes reports them, so the real Job
 * controller's pod failure policy decides what each costs:
 * - a crash: the process is SIGKILLed, exit 137, counted against the index;
 * - a Spot reclaim: GKE's graceful node shutdown, every pod of the node failed with
 *   `DisruptionTarget` (reason TerminationByKubelet), not counted;
 * - a node-pressure eviction: the pod failed as Evicted, with `DisruptionTarget`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ListWatch, Watch, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../../shared/log.ts';
import { KubeWriter } from './kube-writer.ts';
import type { LocalNode } from './nodes.ts';
import { admitContainer, IMAGE_BACKOFF_MILLISECONDS, type ImageResolver, type Refusal } from './pod-admission.ts';
import { podLogFile } from './pod-files.ts';
import type { PodPool, PodExit } from './pod-pool.ts';
import { runningStatus, terminatedStatus, waitingStatus, type KubeletDisruption } from './pod-status.ts';

/** How often node leases are renewed (the kubelet's default is a quarter of 40 s). */
const LEASE_RENEW_MILLISECONDS = 10_000;
/** GKE gives ordinary pods this much of a Spot VM's 30 s shutdown notice. */
const NODE_SHUTDOWN_GRACE_SECONDS = 15;
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

export type { ImageResolver } from './pod-admission.ts';

/** Everything an agent needs; the clients and the pool are injected. */
export interface NodeAgentOptions {
  cluster: string;
  /** An identity that may register nodes and write pod status (the cluster's admin, locally). */
  kubeConfig: KubeConfig;
  nodes: readonly LocalNode[];
  pool: PodPool;
  images: ImageResolver;
  /** What the node adds under each pod's own environment: the image's PATH, the local stand-ins for GCS and Pub/Sub. */
  nodeEnv: Readonly<Record<string, string>>;
  /** Per-pod log files: `<logDir>/<runId>/<job>/<index>-<failures>.log`. */
  logDir: string;
  /** Where a pod's emptyDir volumes live while it runs: `<volumesDir>/<pod uid>/<volume>`. */
  volumesDir: string;
  /** The port of the kubelet API this agent serves (logs). */
  kubeletPort: number;
  log: Logger;
}

/** One pod the agent has taken on. */
interface PodState {
  pod: V1Pod;
  node: string;
  phase: 'waiting' | 'starting' | 'running' | 'ending' | 'done';
  pid?: number;
  startedAt?: Date;
  logFile: string;
  /** Set when the kubelet itself is ending the pod (shutdown, eviction). */
  disruption?: KubeletDisruption;
  /** Killed while the cluster was lost: reported once it is back. */
  lost?: boolean;
  timers: NodeJS.Timeout[];
  /** The pod's writes, in order: a kubelet never posts Running after Failed. */
  writes: Promise<void>;
}

/** A running pod, for fault injection and views. */
export interface RunningPod {
  cluster: string;
  node: string;
  namespace: string;
  name: string;
  runId?: string;
  pid: number;
}

/** The kubelet stand-in for one cluster's nodes. */
export class NodeAgent {
  private readonly writer: KubeWriter;
  private readonly nodeNames: Set<string>;
  private readonly pods = new Map<string, PodState>();
  /** Log file by `namespace/name`, kept until the pod is deleted (a finished pod's log stays readable). */
  private readonly logFiles = new Map<string, string>();
  private informer: ListWatch<V1Pod> | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private down = false;
  private stopped = false;

  constructor(private readonly options: NodeAgentOptions) {
    this.writer = new KubeWriter(options.kubeConfig, options.log);
    this.nodeNames = new Set(options.nodes.map((n) => n.node.metadata!.name!));
  }

  /** Registers the nodes, starts their leases and the pod watch. */
  async start(): Promise<void> {
    for (const { node } of this.options.nodes) await this.writer.registerNode(node, this.options.kubeletPort);
    await this.renewLeases();
    this.leaseTimer = setInterval(() => void this.renewLeases(), LEASE_RENEW_MILLISECONDS);
    const core = this.options.kubeConfig.makeApiClient(CoreV1Api);
    const fieldSelector = `spec.nodeName!=`;
    const list = () => core.listPodForAllNamespaces({ fieldSelector });
    this.informer = new ListWatch<V1Pod>('/api/v1/pods', new Watch(this.options.kubeConfig), list, false, undefined, fieldSelector);
    this.informer.on('add', (pod) => this.observe(pod));
    this.informer.on('update', (pod) => this.observe(pod));
    this.informer.on('delete', (pod) => this.forget(pod));
    this.informer.on('error', (error) => {
      this.options.log.warn('pod watch failed; it restarts', { cluster: this.options.cluster, error: String((error as Error)?.message ?? error) });
      if (!this.stopped) setTimeout(() => void this.informer?.start().catch(() => undefined), 1000);
    });
    await this.informer.start();
  }

  /** Stops watching and kills every pod process (the agent is going away, not the pods' fault). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.informer?.stop();
    for (const state of this.pods.values()) {
      for (const timer of state.timers) clearTimeout(timer);
      if (state.pid) this.options.pool.kill(state.pid, 'SIGKILL');
    }
  }

  /** The cluster is lost (its pods die unreported) or back (the lost pods are reported failed, new ones start). */
  setDown(down: boolean): void {
    this.down = down;
    if (down) {
      for (const state of this.pods.values()) {
        if (state.pid && state.phase === 'running') {
          state.lost = true;
          this.options.pool.kill(state.pid, 'SIGKILL');
        }
      }
      return;
    }
    for (const state of [...this.pods.values()].filter((s) => s.lost)) {
      // Its node came back without it: the kubelet reports the container gone (137), and the Job controller replaces it.
      state.lost = false;
      const now = new Date();
      void this.write(state, () =>
        this.writer.podStatus(state.pod, terminatedStatus(state.pod, { exitCode: 137, startedAt: state.startedAt ?? now, finishedAt: now })),
      );
    }
    for (const pod of this.informer?.list() ?? []) this.observe(pod);
  }

  /** Pods running now. */
  running(): RunningPod[] {
    return [...this.pods.values()]
      .filter((s) => s.phase === 'running' && s.pid)
      .map((s) => ({
        cluster: this.options.cluster,
        node: s.node,
        namespace: s.pod.metadata!.namespace!,
        name: s.pod.metadata!.name!,
        runId: s.pod.metadata?.labels?.['altus.dev/run-id'],
        pid: s.pid!,
      }));
  }

  /** The log file of a pod of this cluster, if it ran here. */
  logFile(namespace: string, name: string): string | undefined {
    return this.logFiles.get(`${namespace}/${name}`);
  }

  /** A crash: the pod's processes are SIGKILLed and it fails with exit 137, counted against its index. */
  crash(pod: RunningPod): void {
    this.options.pool.kill(pod.pid, 'SIGKILL');
  }

  /** A node-pressure eviction of one pod: killed at once (hard threshold), failed as Evicted with DisruptionTarget. */
  evict(pod: RunningPod): void {
    const state = [...this.pods.values()].find((s) => s.pid === pod.pid && s.pod.metadata?.name === pod.name);
    if (!state?.pid) return;
    state.disruption = 'eviction';
    this.options.pool.kill(state.pid, 'SIGKILL');
  }

  /**
   * A Spot reclaim, as GKE's graceful node shutdown does it: the node is cordoned,
   * every pod on it gets SIGTERM and up to 15 s before SIGKILL, and each is failed
   * with DisruptionTarget (TerminationByKubelet). The replacement VM joins under the
   * same name once the pods are reported.
   */
  async shutdownNode(node: string): Promise<number> {
    await this.writer.cordon(node, true);
    const victims = [...this.pods.values()].filter((s) => s.node === node && (s.phase === 'running' || s.phase === 'starting' || s.phase === 'waiting'));
    await Promise.all(
      victims.map((state) =>
        this.terminate(state, Math.min(NODE_SHUTDOWN_GRACE_SECONDS, state.pod.spec?.terminationGracePeriodSeconds ?? 30), 'node-shutdown'),
      ),
    );
    // The replacement joins once every pod of the old VM has stopped and been reported.
    const deadline = Date.now() + (NODE_SHUTDOWN_GRACE_SECONDS + 5) * 1000;
    while (victims.some((s) => s.phase !== 'done') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await Promise.all(victims.map((s) => s.writes));
    await this.writer.cordon(node, false);
    return victims.length;
  }

  private async renewLeases(): Promise<void> {
    await Promise.all(
      [...this.nodeNames].map((name) =>
        this.writer.renewLease(name).catch((error: Error) => this.options.log.warn('node lease renewal failed', { node: name, error: error.message })),
      ),
    );
  }

  /** A pod was added or changed: take it on, end it, or finish its deletion. */
  private observe(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const node = pod.spec?.nodeName;
    if (!uid || !node || !this.nodeNames.has(node) || this.stopped) return;
    const state = this.pods.get(uid);
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (state) state.pod = pod;
    // Reported and seen back as terminal: no later event can be mistaken for a new pod, so it can be forgotten.
    if (state?.phase === 'done' && terminal && !state.lost && !pod.metadata?.deletionTimestamp) {
      this.pods.delete(uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      if (state && state.phase !== 'done' && state.phase !== 'ending') {
        void this.terminate(state, pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
      } else if (!state || state.phase === 'done') {
        // Nothing runs for it here: the kubelet's final delete lets the API server remove it.
        this.writer
          .deletePod(pod)
          .catch((error: Error) => this.options.log.warn('final delete of a pod failed', { pod: pod.metadata?.name, error: error.message }));
      }
      return;
    }
    if (state || terminal || this.down) return;
    void this.admit(pod, node);
  }

  /** A pod left the API (deleted with grace 0 by someone): make sure nothing of it runs. */
  private forget(pod: V1Pod): void {
    this.logFiles.delete(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
    const state = pod.metadata?.uid ? this.pods.get(pod.metadata.uid) : undefined;
    if (!state) return;
    for (const timer of state.timers) clearTimeout(timer);
    if (state.pid && state.phase !== 'done') this.options.pool.kill(state.pid, 'SIGKILL');
    state.phase = 'done';
    this.pods.delete(pod.metadata!.uid!);
  }

  private async admit(pod: V1Pod, node: string): Promise<void> {
    const uid = pod.metadata!.uid!;
    const state: PodState = { pod, node, phase: 'waiting', logFile: podLogFile(pod, this.options.logDir), timers: [], writes: Promise.resolve() };
    this.pods.set(uid, state);
    this.logFiles.set(`${pod.metadata!.namespace}/${pod.metadata!.name}`, state.logFile);
    const since = new Date();
    const { images, nodeEnv, volumesDir } = this.options;
    const admission = admitContainer(pod, { images, nodeEnv, volumesDir, logFile: state.logFile });
    if ('refusal' in admission) {
      // As the kubelet: the container waits (ErrImagePull, then ImagePullBackOff) until someone deletes the pod.
      const report = ({ waiting, event }: Refusal) => {
        void this.write(state, () => this.writer.podStatus(state.pod, waitingStatus(state.pod, waiting, since)));
        return this.write(state, () => this.writer.podEvent(state.pod, node, 'Warning', event.reason, event.message));
      };
      await report(admission.refusal);
      const { backoff } = admission;
      if (backoff) state.timers.push(setTimeout(() => state.phase === 'waiting' && void report(backoff), IMAGE_BACKOFF_MILLISECONDS));
      return;
    }
    const { env } = admission;
    state.phase = 'starting';
    const exit = await this.options.pool.run(
      env,
      pod.spec!.containers[0]!.args ?? [],
      (pid) => {
        // Deleted or lost while it waited for a process: it must not run on.
        if (state.phase !== 'starting' || this.down) return this.options.pool.kill(pid, 'SIGKILL');
        state.pid = pid;
        state.phase = 'running';
        state.startedAt = new Date();
        const startedAt = state.startedAt;
        void this.write(state, () => this.writer.podStatus(state.pod, runningStatus(state.pod, startedAt)));
      },
      pod.metadata?.labels?.[JOB_NAME_LABEL] ?? uid,
    );
    await this.finish(state, exit);
  }

  /** The container stopped: report it, and finish a deletion that was waiting for it. */
  private async finish(state: PodState, exit: PodExit): Promise<void> {
    if (state.phase === 'done') return;
    if (state.lost && this.down) {
      // The cluster is lost: nothing is reported until it is back (setDown(false)).
      state.phase = 'done';
      return;
    }
    state.lost = false;
    state.phase = 'done';
    rmSync(join(this.options.volumesDir, state.pod.metadata!.uid!), { recursive: true, force: true });
    const finishedAt = new Date();
    const startedAt = state.startedAt ?? finishedAt;
    const end = { exitCode: exit.exitCode, startedAt, finishedAt, ...(state.disruption ? { disruption: state.disruption } : {}) };
    await this.write(state, () => this.writer.podStatus(state.pod, terminatedStatus(state.pod, end)));
    await this.write(state, async () => (state.pod.metadata?.deletionTimestamp ? this.writer.deletePod(state.pod) : undefined));
  }

  /** SIGTERM, then SIGKILL after `graceSeconds`; a pod that never started is simply ended. */
  private async terminate(state: PodState, graceSeconds: number, disruption?: KubeletDisruption): Promise<void> {
    if (disruption) state.disruption = disruption;
    for (const timer of state.timers) clearTimeout(timer);
    if (state.phase === 'running' && state.pid) {
      state.phase = 'ending';
      const pid = state.pid;
      this.options.pool.kill(pid, 'SIGTERM');
      state.timers.push(setTimeout(() => this.options.pool.kill(pid, 'SIGKILL'), graceSeconds * 1000));
      return; // finish() reports it when the process exits
    }
    if (state.phase === 'waiting' || state.phase === 'starting') {
      // Never started (waiting for its image or a process): no container to stop. As the kubelet, it is
      // reported Failed first (the Job controller counts a terminating pod until it is), then deleted.
      state.phase = 'done';
      const now = new Date();
      await this.write(state, () =>
        this.writer.podStatus(
          state.pod,
          terminatedStatus(state.pod, { exitCode: 137, startedAt: now, finishedAt: now, ...(disruption ? { disruption } : {}) }),
        ),
      );
      await this.write(state, async () => (state.pod.metadata?.deletionTimestamp ? this.writer.deletePod(state.pod) : undefined));
    }
  }

  /** Queues a write for the pod after its earlier ones; a write that fails for good is logged, never thrown. */
  private write(state: PodState, what: () => Promise<unknown>): Promise<void> {
    state.writes = state.writes.then(what).then(
      () => undefined,
      (error: Error) => this.options.log.warn('a pod write failed', { pod: state.pod.metadata?.name, error: error.message }),
    );
    return state.writes;
  }
}
