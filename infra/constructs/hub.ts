/**
 * The hub: a GKE Autopilot cluster in the hub region, the stable home of the
 * fleet's observability (Google Cloud Managed Service for Prometheus; a Grafana
 * can be added there). It is not in the fleet configuration's `clusters`, so
 * nothing dispatches batch Jobs to it, and the fleet bootstrap gives the
 * dispatch identity no RBAC on it.
 */
import { Construct } from 'constructs';
import { ContainerCluster } from '@cdktf/provider-google/lib/container-cluster/index.js';
import type { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import type { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { AuthorizedNetwork } from '../config.ts';
import type { ClusterRanges } from '../network-plan.ts';
import { privateControlPlane } from './control-plane.ts';
import type { Cmek } from './kms.ts';

/** Props of {@link Hub}. */
export interface HubProps {
  readonly project: string;
  readonly name: string;
  readonly region: string;
  readonly vpc: ComputeNetwork;
  readonly subnet: ComputeSubnetwork;
  readonly ranges: ClusterRanges;
  readonly authorizedNetworks: readonly AuthorizedNetwork[];
  readonly releaseChannel: string;
  readonly nodeServiceAccount: ServiceAccount;
  readonly deletionProtection: boolean;
  /** Keys of the cluster's Secrets (application-layer encryption) and its nodes' boot disks (CMEK on). */
  readonly cmek?: { readonly secrets: Cmek; readonly disks: Cmek };
}

/** The hub cluster. */
export class Hub extends Construct {
  readonly cluster: ContainerCluster;

  constructor(scope: Construct, id: string, props: HubProps) {
    super(scope, id);
    this.cluster = new ContainerCluster(this, 'cluster', {
      project: props.project,
      name: props.name,
      location: props.region,
      enableAutopilot: true,
      network: props.vpc.id,
      subnetwork: props.subnet.id,
      // Not reachable from outside the VPC, whatever the configuration says about the workers.
      ...privateControlPlane(props.ranges, props.authorizedNetworks, false),
      binaryAuthorization: { evaluationMode: 'PROJECT_SINGLETON_POLICY_ENFORCE' },
      releaseChannel: { channel: props.releaseChannel },
      monitoringConfig: {
        enableComponents: ['SYSTEM_COMPONENTS'],
        managedPrometheus: { enabled: true },
      },
      // Autopilot nodes run as the dedicated node account, not the Compute Engine default one.
      clusterAutoscaling: {
        autoProvisioningDefaults: {
          serviceAccount: props.nodeServiceAccount.email,
          oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
          ...(props.cmek ? { bootDiskKmsKey: props.cmek.disks.keyName } : {}),
        },
      },
      ...(props.cmek ? { databaseEncryption: { state: 'ENCRYPTED', keyName: props.cmek.secrets.keyName }, dependsOn: [props.cmek.secrets.ready] } : {}),
      resourceLabels: { 'altus-role': 'hub' },
      // Metrics live in Cloud Monitoring, but deleting the hub is still a deliberate act.
      deletionProtection: props.deletionProtection,
    });
  }
}
