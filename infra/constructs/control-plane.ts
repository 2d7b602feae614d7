/**
 * How every cluster of the fleet exposes its control plane: nodes without
 * public addresses, the IP endpoint private only (reachable across regions
 * through global access, from the authorized networks: the functions' VPC
 * connector and any operator networks), and the IAM-authenticated DNS
 * endpoint, which takes traffic from outside the VPC only when the
 * configuration opts in (`infra.operatorDnsAccess`; never for the hub).
 *
 * No `master_ipv4_cidr_block`: a private cluster given one is peered to a
 * Google-owned VPC, and several peerings created at once on one network fail
 * with "peering operation in progress"; without it, GKE gives the control plane
 * a Private Service Connect endpoint (in a small subnet GKE creates beside ours),
 * and no peering is made (GKE: "About network isolation"; the provider accepts a
 * private cluster without the block since hashicorp/terraform-provider-google#15064).
 */
import type { ContainerClusterConfig } from '@cdktf/provider-google/lib/container-cluster/index.js';
import type { AuthorizedNetwork } from '../config.ts';
import type { ClusterRanges } from '../network-plan.ts';

/** Network settings shared by the hub and the workers. */
export function privateControlPlane(
  ranges: ClusterRanges,
  authorizedNetworks: readonly AuthorizedNetwork[],
  externalDnsAccess: boolean,
): Pick<
  ContainerClusterConfig,
  'networkingMode' | 'ipAllocationPolicy' | 'privateClusterConfig' | 'masterAuthorizedNetworksConfig' | 'controlPlaneEndpointsConfig' | 'masterAuth'
> {
  return {
    networkingMode: 'VPC_NATIVE',
    ipAllocationPolicy: {
      clusterSecondaryRangeName: ranges.podsRangeName,
      servicesSecondaryRangeName: ranges.servicesRangeName,
    },
    privateClusterConfig: {
      enablePrivateNodes: true,
      enablePrivateEndpoint: true,
      // The functions run in the hub region; the worker control planes may be anywhere.
      masterGlobalAccessConfig: { enabled: true },
    },
    masterAuthorizedNetworksConfig: {
      gcpPublicCidrsAccessEnabled: false,
      cidrBlocks: authorizedNetworks.map((n) => ({ cidrBlock: n.cidr, displayName: n.name })),
    },
    controlPlaneEndpointsConfig: {
      dnsEndpointConfig: { allowExternalTraffic: externalDnsAccess },
      ipEndpointsConfig: { enabled: true },
    },
    // Clients authenticate with Google identities only, never a client certificate.
    masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
  };
}
