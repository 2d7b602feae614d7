/**
 * One Altus environment: the whole fleet from one typed configuration. The
 * constructs are assembled in dependency order: identities and places first,
 * then clusters, functions, the messaging that feeds them, the grants between
 * all of these, alerts and outputs.
 */
import { GcsBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { GoogleBetaProvider } from '@cdktf/provider-google-beta/lib/provider/index.js';
import { TimeProvider } from '@cdktf/provider-time/lib/provider/index.js';
import type { AltusStackConfig } from './config.ts';
import { FUNCTIONS, INFRA_TOPIC_IDS } from './function-catalog.ts';
import { rangesFor } from './network-plan.ts';
import { Access } from './constructs/access.ts';
import { Alerts } from './constructs/alerts.ts';
import { Apis } from './constructs/apis.ts';
import { DashboardIap } from './constructs/dashboard-iap.ts';
import { AuditLogs } from './constructs/audit-logs.ts';
import { BinaryAuthorization } from './constructs/binary-authorization.ts';
import { Functions } from './constructs/functions.ts';
import { GoogleApisDns } from './constructs/google-apis-dns.ts';
import { Hub } from './constructs/hub.ts';
import { Identity } from './constructs/identity.ts';
import { Kms } from './constructs/kms.ts';
import { Messaging } from './constructs/messaging.ts';
import { Network } from './constructs/network.ts';
import { Registry } from './constructs/registry.ts';
import { ResultsDataset } from './constructs/results-dataset.ts';
import { State } from './constructs/state.ts';
import { Storage } from './constructs/storage.ts';
import { Workers } from './constructs/workers.ts';

/** The stack id of an environment. */
export function stackName(environment: string): string {
  return `altus-${environment}`;
}

/** Where an environment's Terraform state lives in the state bucket. */
export function statePrefix(environment: string): string {
  return `altus/${environment}`;
}

/** The Altus fleet of one environment. */
export class AltusStack extends TerraformStack {
  /** The constructs, for tests and for stacks that extend this one. */
  readonly identity: Identity;
  readonly network: Network;
  readonly storage: Storage;
  readonly registry: Registry;
  readonly state: State;
  readonly hub: Hub;
  readonly workers: Workers;
  readonly functions: Functions;
  readonly messaging: Messaging;
  readonly access: Access;
  readonly alerts: Alerts;

  constructor(scope: Construct, id: string, config: AltusStackConfig) {
    super(scope, id);
    const { project, region } = config;
    // State in GCS, not on the operator's disk; `npm run deploy` creates the bucket first.
    new GcsBackend(this, { bucket: config.stateBucket, prefix: statePrefix(config.environment) });
    // With end-user credentials the Firebase Rules API (and others) refuse calls without a quota
    // project, and provider 6.x ignores the one in the ADC file: bill the project itself.
    const providerSettings = {
      project,
      region,
      userProjectOverride: true,
      billingProject: project,
      defaultLabels: { app: 'altus', environment: config.environment },
    };
    new GoogleProvider(this, 'google', providerSettings);
    const beta = new GoogleBetaProvider(this, 'google-beta', providerSettings);
    new TimeProvider(this, 'time');
    const optionalApis = [...(config.dashboardDomain ? ['iap.googleapis.com'] : []), ...(config.kms ? ['cloudkms.googleapis.com'] : [])];
    const apis = new Apis(this, 'apis', { project, optional: optionalApis });

    const identity = new Identity(this, 'identity', {
      project,
      functions: FUNCTIONS,
      workerAccountId: config.workerServiceAccount.google,
      betaProvider: beta,
      cmekAgents: config.kms !== undefined,
    });
    const kms = config.kms ? new Kms(this, 'kms', { project, plan: config.kms, identity }) : undefined;
    const hubKeys = kms ? { secrets: kms.keyFor('gke-secrets', region), disks: kms.keyFor('gke-disks', region) } : undefined;
    const network = new Network(this, 'network', { project, plan: config.network, connectorRegion: region });
    new GoogleApisDns(this, 'google-apis-dns', { project, vpc: network.vpc });
    const storage = new Storage(this, 'storage', {
      project,
      location: region,
      names: config.buckets,
      resultsRetentionDays: config.resultsRetentionDays,
      functionsArchive: config.functionsArchive,
      ...(kms ? { cmek: kms.keyFor('storage', region) } : {}),
    });
    const registry = new Registry(this, 'registry', {
      project,
      registry: config.registry,
      functionsRegion: region,
      ...(kms ? { cmek: { images: kms.keyFor('registry', config.registry.location), functionImages: kms.keyFor('registry', region) } } : {}),
    });
    const state = new State(this, 'state', {
      project,
      location: config.firestoreLocation,
      rules: config.firestoreRules,
      ...(kms ? { cmek: kms.keyFor('firestore', config.firestoreLocation) } : {}),
    });

    // The functions' egress range may reach every control plane; operators reach them through the DNS endpoint or their own networks.
    const authorizedNetworks = [{ cidr: config.network.connectorCidr, name: 'altus-functions' }, ...config.operatorNetworks];
    const hubSubnet = network.subnets[config.hub.region];
    if (!hubSubnet) throw new Error(`no subnet in the hub region ${config.hub.region}`);
    const hub = new Hub(this, 'hub', {
      project,
      name: config.hub.name,
      region: config.hub.region,
      vpc: network.vpc,
      subnet: hubSubnet,
      ranges: rangesFor(config.network, config.hub.name),
      authorizedNetworks,
      releaseChannel: config.releaseChannel,
      nodeServiceAccount: identity.nodes,
      deletionProtection: config.deletionProtection,
      ...(hubKeys ? { cmek: hubKeys } : {}),
    });
    const workers = new Workers(this, 'workers', {
      project,
      clusters: config.workers,
      plan: config.network,
      vpc: network.vpc,
      subnets: network.subnets,
      authorizedNetworks,
      releaseChannel: config.releaseChannel,
      nodeServiceAccount: identity.nodes,
      deletionProtection: config.deletionProtection,
      externalDnsAccess: config.operatorDnsAccess,
      ...(kms ? { kms } : {}),
    });
    new BinaryAuthorization(this, 'binary-authorization', { project, allowedImageRegistries: config.allowedImageRegistries });
    new AuditLogs(this, 'audit-logs', { project });

    const functions = new Functions(this, 'functions', {
      project,
      region,
      specs: FUNCTIONS,
      runtimeAccounts: identity.functions,
      buildAccount: identity.functionsBuild,
      triggerAccount: identity.eventarcTrigger,
      buildRepository: registry.functionImages,
      sourceBucket: storage.sources,
      sourceObject: storage.functionsSource,
      manifestsBucket: storage.manifests,
      connector: network.connector,
      environment: {
        ALTUS_PROJECT_ID: project,
        ALTUS_STORAGE: 'gcs',
        ALTUS_MANIFESTS_BUCKET: config.buckets.manifests,
        ALTUS_RESULTS_BUCKET: config.buckets.results,
        ALTUS_FLEET: 'kubernetes',
        ALTUS_FLEET_CONFIG: config.functionsFleetConfigPath,
        ALTUS_LOG_LEVEL: 'INFO',
      },
      dashboardBehindLoadBalancer: config.dashboardDomain !== undefined,
    });
    const messaging = new Messaging(this, 'messaging', {
      project,
      region,
      functions: functions.byName,
      invoker: identity.pushInvoker,
      reconcileSchedule: config.reconcileSchedule,
      ...(kms ? { cmek: kms.keyFor('pubsub', 'global') } : {}),
    });

    const access = new Access(this, 'access', {
      project,
      region,
      identity,
      specs: FUNCTIONS,
      functions: functions.byName,
      buckets: { manifests: storage.manifests, results: storage.results, sources: storage.sources },
      topics: messaging.topics,
      pushSubscriptions: Object.values(messaging.pushSubscriptions),
      repositories: { images: registry.images, functionImages: registry.functionImages },
      workerKubernetesAccount: { namespace: config.namespace, name: config.workerServiceAccount.kubernetes },
      workloadPoolCreatedBy: Object.values(workers.clusters).map((w) => w.cluster),
      dashboardInvokers: config.dashboardInvokers,
      dashboardBehindIap: config.dashboardDomain !== undefined,
    });
    const dashboardIap = config.dashboardDomain
      ? new DashboardIap(this, 'dashboard-iap', {
          project,
          region,
          domain: config.dashboardDomain,
          dashboard: functions.byName.dashboard,
          viewers: config.dashboardInvokers,
          betaProvider: beta,
        })
      : undefined;
    functions.waitForTriggerPrerequisites(access.triggerPrerequisites);
    functions.waitFor([access.functionsMayStart]);

    const alerts = new Alerts(this, 'alerts', {
      project,
      deadLetterRecords: messaging.deadLetterRecords,
      notificationChannels: config.alertNotificationChannels,
    });
    new ResultsDataset(this, 'results-dataset', {
      project,
      environment: config.environment,
      location: region,
      resultsBucket: storage.results,
      readers: config.dashboardInvokers,
      ...(kms ? { cmek: kms.keyFor('bigquery', region) } : {}),
    });

    new TerraformOutput(this, 'manifests_bucket', { value: storage.manifests.name });
    new TerraformOutput(this, 'results_bucket', { value: storage.results.name });
    new TerraformOutput(this, 'topics', { value: Object.fromEntries(Object.entries(messaging.topics).map(([role, t]) => [role, t.name])) });
    new TerraformOutput(this, 'hub_endpoint', { value: hub.cluster.endpoint });
    new TerraformOutput(this, 'cluster_endpoints', {
      description: 'Private control-plane endpoints of the worker clusters (the DNS endpoints serve operators)',
      value: Object.fromEntries(Object.entries(workers.clusters).map(([name, w]) => [name, w.cluster.endpoint])),
    });
    new TerraformOutput(this, 'dashboard_url', {
      value: config.dashboardDomain ? `https://${config.dashboardDomain}` : functions.byName.dashboard.serviceConfig.uri,
    });
    if (dashboardIap) {
      new TerraformOutput(this, 'dashboard_address', { description: "Point the dashboard domain's A record here", value: dashboardIap.address.address });
    }
    new TerraformOutput(this, 'worker_image_repository', { value: config.registry.workerImage });
    new TerraformOutput(this, 'image_build_service_account', { value: identity.imageBuild.email });
    new TerraformOutput(this, 'run_requests_topic', { value: `projects/${project}/topics/${INFRA_TOPIC_IDS.runRequests}` });

    apis.applyTo(this);
    this.identity = identity;
    this.network = network;
    this.storage = storage;
    this.registry = registry;
    this.state = state;
    this.hub = hub;
    this.workers = workers;
    this.functions = functions;
    this.messaging = messaging;
    this.access = access;
    this.alerts = alerts;
  }
}
