/**
 * Cluster access for the local fleet: the local stack's kubeconfig has one
 * context per worker cluster (its API server, through the gateway that a lost
 * cluster cuts) and a token per identity; a caller picks its own identity, as a
 * function on GCP gets its service account's.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterAccess } from '../kubernetes-fleet.ts';

/** {@link ClusterAccess} over the kubeconfig at `path`, as `user` (the contexts' own user when unset). */
export function localClusterAccess(path: string, user?: string): ClusterAccess {
  const file = new KubeConfig();
  file.loadFromFile(path);
  const kubeConfigs = new Map<string, KubeConfig>();
  return async (cluster) => {
    let kc = kubeConfigs.get(cluster);
    if (!kc) {
      const context = file.getContextObject(cluster);
      const server = file.getCluster(context?.cluster ?? cluster);
      if (!context || !server)
        throw new Error(
          `the local kubeconfig ${path} has no cluster ${cluster} (it has ${file
            .getContexts()
            .map((c) => c.name)
            .join(', ')})`,
        );
      const identity = file.getUser(user ?? context.user);
      if (!identity) throw new Error(`the local kubeconfig ${path} has no user ${user ?? context.user}`);
      kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [server],
        users: [identity],
        contexts: [{ name: cluster, cluster: server.name, user: identity.name, namespace: context.namespace }],
        currentContext: cluster,
      });
      kubeConfigs.set(cluster, kc);
    }
    return kc;
  };
}
