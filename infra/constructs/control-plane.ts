/**
 * How every cluster of the fleet exposes its control plane: nodes without
 * public addresses, the IP endpoint private only (reachable across regions
 * through global access, from the authorized networks: the functions' VPC
 * connector and any operator networks), and the IAM-authenticated DNS
 * endpoint for operators (`altus fleet bootstrap`, kubectl) outside the VPC.
 */
import type { ContainerClusterConfig } from '@cdktf/provider-google/lib/container-cluster/index.js';
import type { AuthorizedNetwork } from '../config.ts';
import type { ClusterRanges } from '../network-plan.ts';

/** Network settings shared by the hub and the workers. */
export function privateControlPlane(
  ranges: ClusterRanges,
  authorizedNetworks: readonly AuthorizedNetwork[],
): Pick<
  ContainerClusterConfig,
  'networkingMode' | 'ipAllocationPolicy' | 'privateClusterConfig' | 'masterAuthorizedNetworksConfig' | 'controlPlaneEndpointsConfig'
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
      masterIpv4CidrBlock: ranges.masterCidr,
      // The functions run in the hub region; the worker control planes may be anywhere.
      masterGlobalAccessConfig: { enabled: true },
    },
    masterAuthorizedNetworksConfig: {
      gcpPublicCidrsAccessEnabled: false,
      cidrBlocks: authorizedNetworks.map((n) => ({ cidrBlock: n.cidr, displayName: n.name })),
    },
    controlPlaneEndpointsConfig: {
      dnsEndpointConfig: { allowExternalTraffic: true },
      ipEndpointsConfig: { enabled: true },
    },
  };
}
