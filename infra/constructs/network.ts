/**
 * The fleet's network: a custom-mode VPC, one subnet per region with the
 * secondary ranges of every cluster in that region (from the network plan),
 * Private Google Access, Cloud NAT per region for the private nodes, and the
 * Serverless VPC Access connector the functions reach the private control
 * planes through.
 */
import { Construct } from 'constructs';
import { ComputeFirewall } from '@cdktf/provider-google/lib/compute-firewall/index.js';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router/index.js';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { VpcAccessConnector } from '@cdktf/provider-google/lib/vpc-access-connector/index.js';
import type { NetworkPlan } from '../network-plan.ts';

/** Props of {@link Network}. */
export interface NetworkProps {
  readonly project: string;
  readonly plan: NetworkPlan;
  /** Region of the functions, where the VPC connector lives. */
  readonly connectorRegion: string;
}

/** The VPC, its subnets, NAT and the functions' connector. */
export class Network extends Construct {
  readonly vpc: ComputeNetwork;
  /** Subnets by region. */
  readonly subnets: Readonly<Record<string, ComputeSubnetwork>>;
  readonly connector: VpcAccessConnector;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { project, plan } = props;
    this.vpc = new ComputeNetwork(this, 'vpc', {
      project,
      name: 'altus',
      autoCreateSubnetworks: false,
      // Cloud Routers in every region learn every subnet: functions in the hub region reach workers elsewhere.
      routingMode: 'GLOBAL',
    });

    // Explicit, logged deny of all ingress beneath GKE's own rules (priority 1000): nothing else is admitted.
    new ComputeFirewall(this, 'deny-ingress', {
      project,
      name: 'altus-deny-all-ingress',
      network: this.vpc.name,
      direction: 'INGRESS',
      priority: 65534,
      sourceRanges: ['0.0.0.0/0'],
      deny: [{ protocol: 'all' }],
      logConfig: { metadata: 'INCLUDE_ALL_METADATA' },
    });

    const subnets: Record<string, ComputeSubnetwork> = {};
    for (const subnet of plan.subnets) {
      subnets[subnet.region] = new ComputeSubnetwork(this, `subnet-${subnet.region}`, {
        project,
        name: subnet.name,
        region: subnet.region,
        network: this.vpc.id,
        ipCidrRange: subnet.cidr,
        privateIpGoogleAccess: true,
        secondaryIpRange: subnet.clusters.flatMap((c) => [
          { rangeName: c.podsRangeName, ipCidrRange: c.podsCidr },
          { rangeName: c.servicesRangeName, ipCidrRange: c.servicesCidr },
        ]),
        // Flow logs, sampled lightly: enough to investigate, cheap at batch volumes.
        logConfig: { aggregationInterval: 'INTERVAL_10_MIN', flowSampling: 0.1, metadata: 'INCLUDE_ALL_METADATA' },
      });

      const router = new ComputeRouter(this, `router-${subnet.region}`, {
        project,
        name: `altus-${subnet.region}`,
        region: subnet.region,
        network: this.vpc.id,
      });
      new ComputeRouterNat(this, `nat-${subnet.region}`, {
        project,
        name: `altus-${subnet.region}`,
        region: subnet.region,
        router: router.name,
        natIpAllocateOption: 'AUTO_ONLY',
        sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
        // Thousands of pods pulling and writing at once need more than the 64-port default.
        enableDynamicPortAllocation: true,
        enableEndpointIndependentMapping: false,
        minPortsPerVm: 64,
        maxPortsPerVm: 4096,
        logConfig: { enable: true, filter: 'ERRORS_ONLY' },
      });
    }
    this.subnets = subnets;

    this.connector = new VpcAccessConnector(this, 'connector', {
      project,
      name: 'altus-functions',
      region: props.connectorRegion,
      network: this.vpc.name,
      ipCidrRange: plan.connectorCidr,
      machineType: 'e2-micro',
      minInstances: 2,
      maxInstances: 3,
    });
  }
}
