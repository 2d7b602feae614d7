/**
 * The worker clusters: one {@link WorkerCluster} per cluster of the fleet
 * configuration, in its region, on that region's subnet and ranges. Adding a
 * cluster or a GPU pool to `altus.config.json` adds it here; no code changes.
 */
import { Construct } from 'constructs';
import type { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import type { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { WorkerCluster as WorkerClusterConfig } from '../../shared/fleet-config.ts';
import type { AuthorizedNetwork } from '../config.ts';
import { rangesFor, type NetworkPlan } from '../network-plan.ts';
import { WorkerCluster } from './worker-cluster.ts';
import type { Kms } from './kms.ts';

/** Props of {@link Workers}. */
export interface WorkersProps {
  readonly project: string;
  readonly clusters: readonly WorkerClusterConfig[];
  readonly plan: NetworkPlan;
  readonly vpc: ComputeNetwork;
  /** Subnets by region. */
  readonly subnets: Readonly<Record<string, ComputeSubnetwork>>;
  readonly authorizedNetworks: readonly AuthorizedNetwork[];
  readonly releaseChannel: string;
  readonly nodeServiceAccount: ServiceAccount;
  readonly deletionProtection: boolean;
  readonly externalDnsAccess: boolean;
  /** The keys (CMEK on): each cluster takes those of its own region. */
  readonly kms?: Kms;
}

/** Every worker cluster of the fleet. */
export class Workers extends Construct {
  /** Worker clusters by name. */
  readonly clusters: Readonly<Record<string, WorkerCluster>>;

  constructor(scope: Construct, id: string, props: WorkersProps) {
    super(scope, id);
    const clusters: Record<string, WorkerCluster> = {};
    for (const config of props.clusters) {
      const subnet = props.subnets[config.region];
      if (!subnet) throw new Error(`no subnet in ${config.region} for worker cluster ${config.name}`);
      clusters[config.name] = new WorkerCluster(this, config.name, {
        project: props.project,
        config,
        vpc: props.vpc,
        subnet,
        ranges: rangesFor(props.plan, config.name),
        authorizedNetworks: props.authorizedNetworks,
        releaseChannel: props.releaseChannel,
        nodeServiceAccount: props.nodeServiceAccount,
        deletionProtection: props.deletionProtection,
        externalDnsAccess: props.externalDnsAccess,
        ...(props.kms ? { cmek: { secrets: props.kms.keyFor('gke-secrets', config.region), disks: props.kms.keyFor('gke-disks', config.region) } } : {}),
      });
    }
    this.clusters = clusters;
  }
}
