/**
 * Cluster access for the local fleet: an in-memory KubeConfig per worker cluster
 * pointing at the local API server's `/clusters/<name>` prefix.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterAccess } from '../kubernetes-fleet.ts';

/** {@link ClusterAccess} for a local fleet at `baseUrl` (e.g. http://127.0.0.1:8090): no credentials, one KubeConfig per cluster. */
export function localClusterAccess(baseUrl: string): ClusterAccess {
  const kubeConfigs = new Map<string, KubeConfig>();
  return async (cluster) => {
    let kc = kubeConfigs.get(cluster);
    if (!kc) {
      kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: cluster, server: `${baseUrl}/clusters/${cluster}`, skipTLSVerify: true }],
        users: [{ name: 'local' }],
        contexts: [{ name: cluster, cluster, user: 'local' }],
        currentContext: cluster,
      });
      kubeConfigs.set(cluster, kc);
    }
    return kc;
  };
}
