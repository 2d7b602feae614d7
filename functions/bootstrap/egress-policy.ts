/**
 * The worker pods' egress, default deny (enforced by Dataplane V2): a pod in the
 * Jobs' namespace may reach kube-dns, the GKE metadata server (169.254.169.254:80,
 * and 169.254.169.252:988 where GKE's Workload Identity server listens), and
 * Google APIs on `private.googleapis.com` (443), which the stack's private DNS
 * zone makes every `*.googleapis.com` name resolve to. Nothing else: a custom
 * kernel cannot send data anywhere but the project's own Google APIs. The
 * configuration's `infra.openWorkerEgress` removes the policy instead.
 */
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { PRIVATE_GOOGLE_ACCESS_CIDR } from '../../shared/private-google-access.ts';

/** Name of the policy in the Jobs' namespace. */
export const EGRESS_POLICY_NAME = 'altus-worker-egress';

/** The policy for the Jobs' `namespace`. */
export function workerEgressPolicy(namespace: string): V1NetworkPolicy {
  const tcp = (port: number) => ({ protocol: 'TCP', port });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: EGRESS_POLICY_NAME, namespace, labels: { 'app.kubernetes.io/managed-by': 'altus' } },
    spec: {
      // Every pod of the namespace: the Jobs' pods are all there is.
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
          ],
          ports: [{ protocol: 'UDP', port: 53 }, tcp(53)],
        },
        { to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [tcp(80)] },
        { to: [{ ipBlock: { cidr: '169.254.169.252/32' } }], ports: [tcp(988)] },
        { to: [{ ipBlock: { cidr: PRIVATE_GOOGLE_ACCESS_CIDR } }], ports: [tcp(443)] },
      ],
    },
  };
}
