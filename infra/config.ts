/**
 * The typed configuration of one Altus stack (one environment), derived from
 * the fleet configuration by one pure function. Nothing here reads the
 * environment or the disk: `main.ts` does, and passes what it read.
 */
import type { FleetConfig, InfraSettings, WorkerCluster } from '../shared/fleet-config.ts';
import { acceleratorZonesIn, ACCELERATOR_ZONES_SOURCE, SPOT_OR_FLEX_ONLY_MACHINE_TYPES } from './accelerator-zones.ts';
import { FUNCTIONS, type FunctionName } from './function-catalog.ts';
import { planNetwork, type NetworkPlan } from './network-plan.ts';
import { planKms, type KeyUse, type KmsPlan } from './kms-plan.ts';
import { BATCH_POOL } from '../shared/resources.ts';

/** Node pool names the stack itself uses on every worker cluster. */
export const SYSTEM_POOL = 'system';
/** The batch pool's name is the one the Job builder selects (one constant, shared). */
export { BATCH_POOL };
/** Nodes of the system pool at idle (in one zone), and the most it may grow to. */
export const SYSTEM_POOL_MIN_NODES = 1;
export const SYSTEM_POOL_MAX_NODES = 3;
/** Nodes a /14 pod range holds at GKE's default 110 pods per node (a /24 each). */
export const MAX_NODES_PER_CLUSTER = 1024;

/** Account ids of the platform's own service accounts. */
export const PLATFORM_ACCOUNT_IDS = {
  pushInvoker: 'altus-push-invoker',
  eventarcTrigger: 'altus-eventarc',
  nodes: 'altus-nodes',
  functionsBuild: 'altus-functions-build',
  imageBuild: 'altus-image-build',
} as const;

/** Account id of a function's runtime service account (the fleet bootstrap binds `altus-dispatch@…` and `altus-reconcile@…`). */
export function functionAccountId(name: FunctionName): string {
  return `altus-${name}`;
}

/** Where the worker image lives (an Artifact Registry Docker repository). */
export interface RegistryConfig {
  /** Repository location: a region (`us-central1`) or a multi-region (`us`). */
  readonly location: string;
  readonly repositoryId: string;
  /** `<location>-docker.pkg.dev/<project>/<repository>/worker`, without tag or digest. */
  readonly workerImage: string;
}

/** A network allowed to reach the clusters' private control planes (an operator's VPN, a bastion). */
export interface AuthorizedNetwork {
  readonly cidr: string;
  readonly name: string;
}

/** Everything {@link AltusStack} needs. */
export interface AltusStackConfig {
  readonly project: string;
  readonly environment: string;
  readonly hub: { readonly name: string; readonly region: string };
  readonly workers: readonly WorkerCluster[];
  /** Kubernetes namespace the Jobs run in, and the worker Kubernetes service account. */
  readonly namespace: string;
  readonly workerServiceAccount: FleetConfig['workerServiceAccount'];
  readonly network: NetworkPlan;
  /** Region of the functions, the buckets, the scheduler and the VPC connector: the hub's. */
  readonly region: string;
  readonly buckets: { readonly manifests: string; readonly results: string; readonly sources: string };
  /** Days shard outputs and results are kept; after 30 days they move to Nearline. */
  readonly resultsRetentionDays: number;
  readonly registry: RegistryConfig;
  /** Terraform path expression of the zipped functions build (evaluated at plan time, not at synth). */
  readonly functionsArchive: string;
  /** Path of the fleet configuration inside the deployed functions. */
  readonly functionsFleetConfigPath: string;
  /** Text of the Firestore security rules. */
  readonly firestoreRules: string;
  /** Firestore location: the hub region. */
  readonly firestoreLocation: string;
  readonly releaseChannel: InfraSettings['releaseChannel'];
  readonly operatorNetworks: readonly AuthorizedNetwork[];
  /** Members (`group:…`, `user:…`) allowed to open the dashboard; never allUsers. */
  readonly dashboardInvokers: readonly string[];
  /** Existing notification channel ids the alerts notify. */
  readonly alertNotificationChannels: readonly string[];
  /** Cron schedule of the reconcile tick (Cloud Scheduler). */
  readonly reconcileSchedule: string;
  /** Deletion protection on the clusters. */
  readonly deletionProtection: boolean;
  /** Whether the worker clusters' DNS endpoints take traffic from outside the VPC (IAM-gated). */
  readonly operatorDnsAccess: boolean;
  /** Registries (prefixes) Binary Authorization admits on the worker clusters. */
  readonly allowedImageRegistries: readonly string[];
  /** Bucket holding the Terraform state (the deploy creates it first). */
  readonly stateBucket: string;
  /** When set, the dashboard is served behind a load balancer with IAP at this name. */
  readonly dashboardDomain?: string;
  /** Customer-managed keys, per location and purpose; absent: Google-managed encryption everywhere. */
  readonly kms?: KmsPlan;
}

/**
 * What the fleet configuration does not say: where the build puts things. Every
 * deployment setting (release channel, operator networks, dashboard viewers, alert
 * channels, retention, reconcile schedule) is the configuration's `infra` block.
 */
export interface StackOptions {
  readonly firestoreRules: string;
  readonly functionsArchive?: string;
  readonly functionsFleetConfigPath?: string;
}

/** The fleet configuration cannot be deployed as it is. */
export class StackConfigError extends Error {
  override readonly name = 'StackConfigError';
}

/**
 * Terraform runs in `cdktf.out/stacks/<stack>/`; the build writes `dist/functions.zip`
 * at the repository root.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: `${path.module}` is Terraform interpolation, resolved by Terraform, not a JavaScript template
export const DEFAULT_FUNCTIONS_ARCHIVE = '${path.module}/../../../dist/functions.zip';

const REGISTRY_IMAGE = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\//;

/** The Artifact Registry repository the fleet's worker image names, or `altus` in the hub region. */
export function registryFor(fleet: FleetConfig): RegistryConfig {
  const match = REGISTRY_IMAGE.exec(fleet.workerImage);
  const ours = match && match[2] === fleet.project;
  const location = ours ? match[1]! : fleet.hub.region;
  const repositoryId = ours ? match[3]! : 'altus';
  return { location, repositoryId, workerImage: `${location}-docker.pkg.dev/${fleet.project}/${repositoryId}/worker` };
}

/** Derives the stack configuration of `fleet`. */
export function stackConfigFromFleet(fleet: FleetConfig, options: StackOptions): AltusStackConfig {
  for (const cluster of fleet.clusters) {
    const nodes = SYSTEM_POOL_MAX_NODES + cluster.maxNodes + cluster.gpuPools.reduce((n, p) => n + p.maxNodes, 0);
    if (nodes > MAX_NODES_PER_CLUSTER) {
      throw new StackConfigError(
        `cluster ${cluster.name} may grow to ${nodes} nodes; its /14 pod range holds ${MAX_NODES_PER_CLUSTER} (a /24 per node): lower maxNodes or add a cluster`,
      );
    }
    for (const pool of cluster.gpuPools) {
      if (pool.name === SYSTEM_POOL || pool.name === BATCH_POOL) {
        throw new StackConfigError(`GPU pool "${pool.name}" of cluster ${cluster.name}: the names "${SYSTEM_POOL}" and "${BATCH_POOL}" are reserved`);
      }
      checkGpuPlacement(cluster, pool);
    }
  }
  const taken = [...Object.values(PLATFORM_ACCOUNT_IDS), ...FUNCTIONS.map((f) => functionAccountId(f.name))];
  if (taken.includes(fleet.workerServiceAccount.google)) {
    throw new StackConfigError(`workerServiceAccount.google "${fleet.workerServiceAccount.google}" is the account id of another Altus identity`);
  }
  const { infra } = fleet;
  const kms = infra.kms ? planKms(fleet.environment, infra.kms.keyRings, keyUses(fleet)) : undefined;
  if (kms?.problems.length) throw new StackConfigError(`customer-managed encryption (infra.kms): ${kms.problems.join('; ')}`);
  return {
    project: fleet.project,
    environment: fleet.environment,
    hub: fleet.hub,
    workers: fleet.clusters,
    namespace: fleet.namespace,
    workerServiceAccount: fleet.workerServiceAccount,
    network: planNetwork([fleet.hub, ...fleet.clusters]),
    region: fleet.hub.region,
    // The runtime's defaults (shared/config.ts), also passed explicitly to the functions.
    buckets: {
      manifests: `${fleet.project}-altus-manifests`,
      results: `${fleet.project}-altus-results`,
      sources: `${fleet.project}-altus-sources`,
    },
    resultsRetentionDays: infra.resultsRetentionDays,
    registry: registryFor(fleet),
    functionsArchive: options.functionsArchive ?? DEFAULT_FUNCTIONS_ARCHIVE,
    functionsFleetConfigPath: options.functionsFleetConfigPath ?? '/workspace/altus.config.json',
    firestoreRules: options.firestoreRules,
    firestoreLocation: fleet.hub.region,
    releaseChannel: infra.releaseChannel,
    operatorNetworks: infra.operatorNetworks,
    dashboardInvokers: infra.dashboardInvokers,
    alertNotificationChannels: infra.alertNotificationChannels,
    reconcileSchedule: infra.reconcileSchedule,
    deletionProtection: infra.deletionProtection,
    operatorDnsAccess: infra.operatorDnsAccess,
    allowedImageRegistries: [...new Set([registryFor(fleet).workerImage.replace(/worker$/, ''), ...fleet.allowedImageRegistries])],
    stateBucket: stateBucketName(fleet.project),
    ...(infra.dashboardDomain ? { dashboardDomain: infra.dashboardDomain } : {}),
    ...(kms?.plan ? { kms: kms.plan } : {}),
  };
}

/**
 * Every key the stack needs with CMEK on, where it must be: the hub region holds the
 * buckets, Firestore, the results dataset, the functions' image repository and the
 * hub; the worker image repository is where its location says (a region or a
 * multi-region such as `us`); each worker region its cluster's secrets and disks; the
 * topics are global.
 */
export function keyUses(fleet: FleetConfig): KeyUse[] {
  const hub = fleet.hub.region;
  const registry = registryFor(fleet);
  const uses: KeyUse[] = [
    { purpose: 'pubsub', location: 'global', what: 'the Pub/Sub topics' },
    { purpose: 'storage', location: hub, what: 'the buckets' },
    { purpose: 'firestore', location: hub, what: 'the Firestore database' },
    { purpose: 'bigquery', location: hub, what: 'the results dataset' },
    { purpose: 'registry', location: hub, what: 'the functions image repository' },
    { purpose: 'registry', location: registry.location, what: `the ${registry.repositoryId} image repository` },
    { purpose: 'gke-secrets', location: hub, what: `the hub ${fleet.hub.name}` },
    { purpose: 'gke-disks', location: hub, what: `the hub ${fleet.hub.name}` },
  ];
  for (const cluster of fleet.clusters) {
    uses.push({ purpose: 'gke-secrets', location: cluster.region, what: `cluster ${cluster.name}` });
    uses.push({ purpose: 'gke-disks', location: cluster.region, what: `cluster ${cluster.name}` });
  }
  return uses;
}

/** The bucket of an environment's Terraform state (one per project; each environment has its own prefix). */
export function stateBucketName(project: string): string {
  return `${project}-altus-tfstate`;
}

/**
 * A GPU pool must name its zones, each offering its accelerator (GKE refuses a pool
 * spanning a zone without it), and a machine type sold only as Spot or flex-start
 * must be Spot. The table is Google's "GPU regions and zone availability" page.
 */
function checkGpuPlacement(cluster: WorkerCluster, pool: WorkerCluster['gpuPools'][number]): void {
  const offered = acceleratorZonesIn(pool.acceleratorType, cluster.region);
  const where = `GPU pool "${pool.name}" of cluster ${cluster.name}`;
  const offeredText = offered.length
    ? `zones of ${cluster.region} with ${pool.acceleratorType}: ${offered.join(', ')}`
    : `no zone of ${cluster.region} offers ${pool.acceleratorType}`;
  const source = `(${ACCELERATOR_ZONES_SOURCE.page}, recorded ${ACCELERATOR_ZONES_SOURCE.recorded})`;
  if (!pool.zones) {
    throw new StackConfigError(`${where} names no zones; a pool spanning a zone without its accelerator is refused. ${offeredText} ${source}`);
  }
  const missing = pool.zones.filter((zone) => !offered.includes(zone));
  if (missing.length) {
    throw new StackConfigError(
      `${where}: ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not offer ${pool.acceleratorType}; ${offeredText} ${source}`,
    );
  }
  if (!pool.spot && SPOT_OR_FLEX_ONLY_MACHINE_TYPES.includes(pool.machineType)) {
    throw new StackConfigError(`${where}: ${pool.machineType} is sold only as Spot or flex-start VMs; set "spot": true`);
  }
}
