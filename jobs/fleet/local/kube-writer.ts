/**
 * What the node agent writes to its cluster's API server, as the kubelet writes
 * it: Node registration and status, node leases, pod status, the final delete
 * of a pod whose containers have stopped, and events. Each write is retried a
 * few times on a transient error; a pod that is gone (404) needs no more writes.
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Node,
  type V1Pod,
  type V1PodStatus,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import type { Logger } from '../../../shared/log.ts';

/** How long a node lease lasts without renewal (the kubelet's default). */
export const NODE_LEASE_SECONDS = 40;
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The writes, over one cluster's admin KubeConfig. */
export class KubeWriter {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly log: Logger,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  /** Creates the Node, or takes over the one of that name (a restarted agent), then posts its status. */
  async registerNode(node: V1Node, kubeletPort: number): Promise<void> {
    const name = node.metadata!.name!;
    const { status, ...object } = node;
    await this.retry(`register node ${name}`, async () => {
      try {
        await this.core.createNode({ body: object });
      } catch (error) {
        if (codeOf(error) !== 409) throw error;
        await this.core.patchNode(
          { name, body: { metadata: { labels: object.metadata?.labels }, spec: { taints: object.spec?.taints ?? null, unschedulable: null } } },
          MERGE_PATCH,
        );
      }
    });
    const now = new Date();
    const pressure = (type: string, reason: string, message: string) => ({
      type,
      status: 'False',
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    });
    await this.retry(`post status of node ${name}`, () =>
      this.core.patchNodeStatus(
        {
          name,
          body: {
            status: {
              ...status,
              addresses: [
                { type: 'InternalIP', address: '127.0.0.1' },
                { type: 'Hostname', address: name },
              ],
              daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
              nodeInfo: {
                machineID: name,
                systemUUID: name,
                bootID: name,
                kernelVersion: '',
                osImage: 'Altus local node agent',
                containerRuntimeVersion: 'altus://local',
                kubeletVersion: 'altus-node-agent',
                kubeProxyVersion: '',
                operatingSystem: 'linux',
                architecture: 'amd64',
              },
              conditions: [
                pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
                pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
                pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
                {
                  type: 'Ready',
                  status: 'True',
                  reason: 'KubeletReady',
                  message: 'the Altus node agent is posting ready status',
                  lastHeartbeatTime: now,
                  lastTransitionTime: now,
                },
              ],
            },
          },
        },
        MERGE_PATCH,
      ),
    );
  }

  /** Marks a node (un)schedulable, as `kubectl cordon` does while a Spot VM shuts down. */
  async cordon(name: string, unschedulable: boolean): Promise<void> {
    await this.retry(`cordon node ${name}`, () => this.core.patchNode({ name, body: { spec: { unschedulable: unschedulable || null } } }, MERGE_PATCH));
  }

  /** Renews (or creates) the node's lease in kube-node-lease. */
  async renewLease(name: string): Promise<void> {
    const namespace = 'kube-node-lease';
    // renewTime is a MicroTime: the API server wants six fractional digits.
    const renewTime = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const spec = { holderIdentity: name, leaseDurationSeconds: NODE_LEASE_SECONDS, renewTime };
    try {
      await this.coordination.patchNamespacedLease({ name, namespace, body: { spec } }, MERGE_PATCH);
    } catch (error) {
      if (codeOf(error) !== 404) throw error;
      await this.coordination.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: spec as unknown as V1LeaseSpec } });
    }
  }

  /** Posts a pod's status; false when the pod is gone. */
  async podStatus(pod: V1Pod, status: V1PodStatus): Promise<boolean> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    return this.retry(`post status of pod ${namespace}/${name}`, async () => {
      try {
        await this.core.patchNamespacedPodStatus({ name, namespace, body: { status } }, MERGE_PATCH);
        return true;
      } catch (error) {
        if (codeOf(error) === 404) return false;
        throw error;
      }
    });
  }

  /** The kubelet's final delete of a pod whose containers have stopped (grace 0, on its uid). */
  async deletePod(pod: V1Pod): Promise<void> {
    const { name, namespace, uid } = pod.metadata as { name: string; namespace: string; uid: string };
    await this.retry(`delete pod ${namespace}/${name}`, async () => {
      try {
        // With a body the API server reads the options from it alone (query parameters are ignored).
        await this.core.deleteNamespacedPod({ name, namespace, body: { gracePeriodSeconds: 0, preconditions: { uid } } });
      } catch (error) {
        if (codeOf(error) === 404 || codeOf(error) === 409) return;
        throw error;
      }
    });
  }

  /** A kubelet event on a pod (what `kubectl describe pod` shows). */
  async podEvent(pod: V1Pod, node: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const { name, namespace, uid } = pod.metadata as { name: string; namespace: string; uid: string };
    const now = new Date();
    await this.retry(`record event ${reason} on pod ${namespace}/${name}`, () =>
      this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: { kind: 'Pod', apiVersion: 'v1', name, namespace, uid, fieldPath: `spec.containers{${pod.spec?.containers[0]?.name}}` },
          type,
          reason,
          message,
          source: { component: 'kubelet', host: node },
          reportingComponent: 'kubelet',
          reportingInstance: node,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      }),
    ).catch(() => undefined);
  }

  private async retry<T>(what: string, write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        const code = codeOf(error);
        const transient = code === undefined || code >= 500 || code === 429 || code === 409;
        if (!transient || attempt >= 5) {
          this.log.error(`${what} failed`, { attempt, code, error: (error as Error).message });
          throw error;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }
}

/** The HTTP status of a client error, if any. */
export function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}
