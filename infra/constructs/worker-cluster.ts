/**
 * One disposable worker cluster: GKE Standard, regional, default pool removed,
 * private nodes, Workload Identity, Shielded nodes with secure boot, Dataplane
 * V2 (network policy), image streaming, managed Prometheus (plus DCGM metrics
 * when it has GPU pools). Node pools:
 *
 * - `system`: one small on-demand node (at most 3) for kube-dns and the GKE
 *   agents, so the batch pools can really scale to zero. It lives in one zone of
 *   the region (the first, by name): a pool's initial node count is per zone, so
 *   a pool spread over the region's three zones starts, and usually stays, at three;
 * - `batch`: the configured machine type, Spot unless the cluster says
 *   `spot: false`, tainted `cloud.google.com/gke-spot` (the Job template
 *   tolerates it), 0 to `maxNodes`;
 * - one pool per configured GPU pool, 0 to its `maxNodes`, Spot unless it says not,
 *   in the pool's `zones` when it names them (else every zone of the cluster).
 */
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { ContainerCluster } from '@cdktf/provider-google/lib/container-cluster/index.js';
import { ContainerNodePool, type ContainerNodePoolNodeConfig } from '@cdktf/provider-google/lib/container-node-pool/index.js';
import type { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import type { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { WorkerCluster as WorkerClusterConfig } from '../../shared/fleet-config.ts';
import { BATCH_POOL, SYSTEM_POOL, SYSTEM_POOL_MAX_NODES, SYSTEM_POOL_MIN_NODES, type AuthorizedNetwork } from '../config.ts';
import type { ClusterRanges } from '../network-plan.ts';
import { POOL_LABEL } from '../../shared/resources.ts';
import { privateControlPlane } from './control-plane.ts';
import type { Cmek } from './kms.ts';

/** Kubernetes node label naming the pool (`system`, `batch`, or the GPU pool's name); GPU Jobs select their pool by it. */
export { POOL_LABEL };
/** Machine type of the system pool. */
export const SYSTEM_MACHINE_TYPE = 'e2-medium';
/** Boot disk of a system node (pd-balanced), in GB. */
export const SYSTEM_DISK_GB = 50;
/**
 * Boot disk of the throwaway default pool, which lives only while the cluster is
 * created: one node per zone, three zones per regional cluster. At GKE's default
 * (100 GB pd-balanced) that is 300 GB of SSD_TOTAL_GB per region before any pool
 * exists, most of a new project's quota; standard disks of the smallest size COS
 * boots from count against DISKS_TOTAL_GB instead.
 */
export const DEFAULT_POOL_DISK = { diskSizeGb: 20, diskType: 'pd-standard' } as const;

/** Props of {@link WorkerCluster}. */
export interface WorkerClusterProps {
  readonly project: string;
  readonly config: WorkerClusterConfig;
  readonly vpc: ComputeNetwork;
  readonly subnet: ComputeSubnetwork;
  readonly ranges: ClusterRanges;
  readonly authorizedNetworks: readonly AuthorizedNetwork[];
  readonly releaseChannel: string;
  readonly nodeServiceAccount: ServiceAccount;
  readonly deletionProtection: boolean;
  /** Whether the DNS endpoint takes traffic from outside the VPC (IAM still gates it). */
  readonly externalDnsAccess: boolean;
  /** Keys of the cluster's Secrets and of every node's boot disk (CMEK on), in the cluster's region. */
  readonly cmek?: { readonly secrets: Cmek; readonly disks: Cmek };
}

/** A worker cluster and its node pools. */
export class WorkerCluster extends Construct {
  readonly cluster: ContainerCluster;
  /** Node pools by name. */
  readonly pools: Readonly<Record<string, ContainerNodePool>>;

  constructor(scope: Construct, id: string, props: WorkerClusterProps) {
    super(scope, id);
    const { project, config, cmek } = props;
    // Boot disks of every node, the throwaway default pool's included.
    const diskKey = cmek ? { bootDiskKmsKey: cmek.disks.keyName } : {};
    const nodeIdentity = {
      serviceAccount: props.nodeServiceAccount.email,
      oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      workloadMetadataConfig: { mode: 'GKE_METADATA' },
    };

    this.cluster = new ContainerCluster(this, 'cluster', {
      project,
      name: config.name,
      location: config.region,
      // Pools are managed below; the default one only exists while the cluster is created.
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      nodeConfig: { ...nodeIdentity, ...DEFAULT_POOL_DISK, ...diskKey },
      network: props.vpc.id,
      subnetwork: props.subnet.id,
      ...privateControlPlane(props.ranges, props.authorizedNetworks, props.externalDnsAccess),
      // Only images the project's Binary Authorization policy admits run (binary-authorization.ts).
      binaryAuthorization: { evaluationMode: 'PROJECT_SINGLETON_POLICY_ENFORCE' },
      releaseChannel: { channel: props.releaseChannel },
      workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
      enableShieldedNodes: true,
      // Dataplane V2 enforces NetworkPolicy.
      datapathProvider: 'ADVANCED_DATAPATH',
      nodePoolDefaults: { nodeConfigDefaults: { gcfsConfig: { enabled: true } } },
      monitoringConfig: {
        enableComponents: config.gpuPools.length > 0 ? ['SYSTEM_COMPONENTS', 'DCGM'] : ['SYSTEM_COMPONENTS'],
        managedPrometheus: { enabled: true },
      },
      loggingConfig: { enableComponents: ['SYSTEM_COMPONENTS', 'WORKLOADS'] },
      costManagementConfig: { enabled: true },
      resourceLabels: { 'altus-role': 'worker', 'altus-cluster': config.name },
      // Results live in the bucket and Firestore, but a cluster deleted by a mistaken plan still stops every run on it.
      deletionProtection: props.deletionProtection,
      lifecycle: { ignoreChanges: ['node_config'] },
      ...(cmek ? { databaseEncryption: { state: 'ENCRYPTED', keyName: cmek.secrets.keyName }, dependsOn: [cmek.secrets.ready] } : {}),
    });

    const pool = (name: string, autoscaling: { min: number; max: number }, nodeConfig: ContainerNodePoolNodeConfig, nodeLocations?: string[]) =>
      new ContainerNodePool(this, `pool-${name}`, {
        project,
        name,
        cluster: this.cluster.name,
        location: config.region,
        // Unset: every zone of the cluster (the region's default zones).
        ...(nodeLocations ? { nodeLocations } : {}),
        // Per zone of the pool.
        initialNodeCount: autoscaling.min === 0 ? 0 : 1,
        autoscaling: {
          totalMinNodeCount: autoscaling.min,
          totalMaxNodeCount: autoscaling.max,
          // Spot capacity: take it in whichever zone has it.
          locationPolicy: autoscaling.min === 0 ? 'ANY' : 'BALANCED',
        },
        management: { autoRepair: true, autoUpgrade: true },
        upgradeSettings: { strategy: 'SURGE', maxSurge: 1, maxUnavailable: 0 },
        nodeConfig: {
          ...nodeIdentity,
          imageType: 'COS_CONTAINERD',
          gcfsConfig: { enabled: true },
          gvnic: { enabled: true },
          diskType: 'pd-balanced',
          metadata: { 'disable-legacy-endpoints': 'true' },
          ...diskKey,
          resourceLabels: { 'altus-cluster': config.name, 'altus-pool': name },
          ...nodeConfig,
          labels: { [POOL_LABEL]: name, ...nodeConfig.labels },
        },
        ...(cmek ? { dependsOn: [cmek.disks.ready] } : {}),
      });

    const pools: Record<string, ContainerNodePool> = {};
    // The cluster's zones are known once it exists (regional: the region's default zones); sorted, so the choice is stable.
    const systemZone = Fn.element(Fn.sort(this.cluster.nodeLocations), 0);
    pools[SYSTEM_POOL] = pool(
      SYSTEM_POOL,
      { min: SYSTEM_POOL_MIN_NODES, max: SYSTEM_POOL_MAX_NODES },
      { machineType: SYSTEM_MACHINE_TYPE, diskSizeGb: SYSTEM_DISK_GB, spot: false },
      [systemZone],
    );
    pools[BATCH_POOL] = pool(
      BATCH_POOL,
      { min: 0, max: config.maxNodes },
      {
        machineType: config.machineType,
        diskSizeGb: 50,
        spot: config.spot,
        // Only pods that tolerate Spot (the Job template does) land here; the system pool hosts the rest.
        ...(config.spot ? { taint: [{ key: 'cloud.google.com/gke-spot', value: 'true', effect: 'NO_SCHEDULE' }] } : {}),
      },
    );
    for (const gpu of config.gpuPools) {
      pools[gpu.name] = pool(
        gpu.name,
        { min: 0, max: gpu.maxNodes },
        {
          machineType: gpu.machineType,
          diskSizeGb: 100,
          spot: gpu.spot,
          guestAccelerator: [{ type: gpu.acceleratorType, count: gpu.acceleratorCount, gpuDriverInstallationConfig: { gpuDriverVersion: 'LATEST' } }],
        },
        // Only the zones that have the accelerator: GKE refuses a pool where a zone lacks it.
        gpu.zones ? [...gpu.zones] : undefined,
      );
    }
    this.pools = pools;
  }
}
