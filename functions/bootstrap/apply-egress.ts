/**
 * Puts the worker egress policy on one cluster (create, or replace when it
 * exists), or removes it when the configuration opens worker egress.
 */
import { NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ObjectOutcome } from '../../jobs/fleet/bootstrap-apply.ts';
import { statusOf } from '../../jobs/fleet/kubernetes-fleet.ts';
import { EGRESS_POLICY_NAME, workerEgressPolicy } from './egress-policy.ts';

/** What to do with the policy on a cluster. */
export interface EgressSetting {
  readonly namespace: string;
  /** `infra.openWorkerEgress`: no policy at all. */
  readonly open: boolean;
}

/** Applies `setting` with the cluster's credentials; the outcome is reported with the bootstrap's. */
export async function applyEgressPolicy(kc: KubeConfig, setting: EgressSetting): Promise<ObjectOutcome> {
  const api = kc.makeApiClient(NetworkingV1Api);
  const object = `NetworkPolicy ${setting.namespace}/${EGRESS_POLICY_NAME}`;
  const target = { name: EGRESS_POLICY_NAME, namespace: setting.namespace };
  if (setting.open) {
    try {
      await api.deleteNamespacedNetworkPolicy(target);
      return { object, action: 'updated', detail: 'removed: infra.openWorkerEgress' };
    } catch (error) {
      if (statusOf(error) === 404) return { object, action: 'unchanged', detail: 'absent: infra.openWorkerEgress' };
      throw new Error(`cannot remove ${object}: ${(error as Error).message}`, { cause: error });
    }
  }
  const body = workerEgressPolicy(setting.namespace);
  try {
    await api.createNamespacedNetworkPolicy({ namespace: setting.namespace, body });
    return { object, action: 'created' };
  } catch (error) {
    if (statusOf(error) !== 409) throw new Error(`cannot create ${object}: ${(error as Error).message}`, { cause: error });
  }
  await api.replaceNamespacedNetworkPolicy({ ...target, body });
  return { object, action: 'updated' };
}
