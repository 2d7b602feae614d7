/**
 * Who may do what: every IAM grant of the fleet in one place, each on the
 * narrowest resource that carries the permission. Topic-level publisher,
 * bucket-level object access, invoker on one function's service; project-level
 * only where Google offers nothing narrower (Firestore, cluster viewer, log
 * writing, the node role, Eventarc's receiver). No basic roles, no keys.
 */
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { Sleep } from '@cdktf/provider-time/lib/sleep/index.js';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member/index.js';
import type { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository/index.js';
import type { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import type { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { FunctionName, FunctionSpec, InfraTopicRole } from '../function-catalog.ts';
import type { Identity } from './identity.ts';

/** Props of {@link Access}. */
export interface AccessProps {
  readonly project: string;
  readonly region: string;
  readonly identity: Identity;
  readonly specs: readonly FunctionSpec[];
  readonly functions: Readonly<Record<FunctionName, Cloudfunctions2Function>>;
  readonly buckets: { readonly manifests: StorageBucket; readonly results: StorageBucket; readonly sources: StorageBucket };
  readonly topics: Readonly<Record<InfraTopicRole, PubsubTopic>>;
  readonly pushSubscriptions: readonly PubsubSubscription[];
  readonly repositories: { readonly images: ArtifactRegistryRepository; readonly functionImages: ArtifactRegistryRepository };
  /** The worker pods' Kubernetes identity: `<namespace>/<service account>`. */
  readonly workerKubernetesAccount: { readonly namespace: string; readonly name: string };
  /** The workload identity pool exists once a cluster with Workload Identity does. */
  readonly workloadPoolCreatedBy: readonly ITerraformDependable[];
  readonly dashboardInvokers: readonly string[];
  /** Viewers come in through IAP (dashboard-iap.ts), not as invokers of the function. */
  readonly dashboardBehindIap: boolean;
}

/**
 * How long the functions wait after their grants: Google's IAM documentation ("Access
 * change propagation") says a grant typically takes effect within two minutes and
 * may take seven or more; a build or trigger started right after its grant fails.
 * Two minutes, once, at creation (time_sleep waits only when it is created).
 */
export const IAM_PROPAGATION_WAIT = '120s';

/**
 * The project-level roles of a custom Cloud Functions build service account, from
 * Google's "Configure a custom build service account" page
 * (https://cloud.google.com/functions/docs/securing/build-custom-sa): build logs,
 * images, and reading the source, which Cloud Functions copies into its own
 * `gcf-v2-sources-<project number>-<region>` bucket before building (provider issue
 * hashicorp/terraform-provider-google#20571: "Access to bucket gcf-v2-sources-…
 * denied"). That bucket does not exist before the first deploy, so the read is
 * granted on the project. Images are pushed to our own repository (granted there).
 */
export const FUNCTIONS_BUILD_PROJECT_ROLES = ['roles/logging.logWriter', 'roles/storage.objectViewer'] as const;

/** The IAM grants. */
export class Access extends Construct {
  /** Grants the Eventarc trigger of `ingest` needs before it can be created. */
  readonly triggerPrerequisites: readonly ITerraformDependable[];
  /** Waits {@link IAM_PROPAGATION_WAIT} after every grant a function's build, start or trigger needs. */
  readonly functionsMayStart: Sleep;

  constructor(scope: Construct, id: string, props: AccessProps) {
    super(scope, id);
    const { project, identity, buckets } = props;
    // Every grant the functions need before they are built and started; invoker grants name the functions, so they come after.
    const beforeFunctions: ITerraformDependable[] = [];
    const needed = <T extends ITerraformDependable>(grant: T): T => {
      beforeFunctions.push(grant);
      return grant;
    };
    const agentsReady = [identity.serviceAgentsReady];
    const onProject = (key: string, role: string, member: string, dependsOn: ITerraformDependable[] = []) =>
      needed(new ProjectIamMember(this, `project-${key}`, { project, role, member, dependsOn }));
    const onBucket = (key: string, bucket: StorageBucket, role: string, member: string) =>
      needed(new StorageBucketIamMember(this, `bucket-${key}`, { bucket: bucket.name, role, member }));
    const publisher = (key: string, topic: PubsubTopic, member: string, dependsOn: ITerraformDependable[] = []) =>
      needed(new PubsubTopicIamMember(this, `publish-${key}`, { project, topic: topic.name, role: 'roles/pubsub.publisher', member, dependsOn }));
    const invoker = (key: string, fn: Cloudfunctions2Function, member: string) =>
      new CloudRunV2ServiceIamMember(this, `invoke-${key}`, { project, location: props.region, name: fn.name, role: 'roles/run.invoker', member });
    const onRepository = (key: string, repository: ArtifactRegistryRepository, role: string, member: string) =>
      new ArtifactRegistryRepositoryIamMember(this, `repository-${key}`, {
        project,
        location: repository.location,
        repository: repository.name,
        role,
        member,
      });

    // Functions: exactly what their catalog entry says they touch.
    for (const spec of props.specs) {
      const member = identity.functions[spec.name].member;
      const { access } = spec;
      if (access.manifests === 'read') onBucket(`${spec.name}-manifests-read`, buckets.manifests, 'roles/storage.objectViewer', member);
      if (access.results === 'read' || access.results === 'read-create') {
        onBucket(`${spec.name}-results-read`, buckets.results, 'roles/storage.objectViewer', member);
      }
      if (access.results === 'create' || access.results === 'read-create') {
        // Create-only: results and plans are written once (if-absent), never overwritten.
        onBucket(`${spec.name}-results-create`, buckets.results, 'roles/storage.objectCreator', member);
      }
      if (access.firestore) onProject(`${spec.name}-firestore`, access.firestore === 'read' ? 'roles/datastore.viewer' : 'roles/datastore.user', member);
      for (const role of access.publishes) publisher(`${spec.name}-${role}`, props.topics[role], member);
      // Cluster endpoints only; what it may do inside a cluster is the namespace RBAC of `altus fleet bootstrap`.
      if (access.clusters) onProject(`${spec.name}-cluster-viewer`, 'roles/container.clusterViewer', member);
      if (access.clusterAdmin) onProject(`${spec.name}-cluster-admin`, 'roles/container.admin', member);
    }

    // Invocation: push functions by the invoker, ingest by its trigger, the dashboard by the named people.
    for (const spec of props.specs) {
      const fn = props.functions[spec.name];
      if (spec.trigger.kind === 'push') invoker(`${spec.name}-push`, fn, identity.pushInvoker.member);
      if (spec.trigger.kind === 'storage') invoker(`${spec.name}-eventarc`, fn, identity.eventarcTrigger.member);
      if (spec.trigger.kind === 'http' && spec.trigger.invokers === 'dashboard-viewers' && !props.dashboardBehindIap) {
        for (const member of props.dashboardInvokers) invoker(`${spec.name}-${member.replace(/[^a-zA-Z0-9]+/g, '-')}`, fn, member);
      }
    }
    const eventReceiver = onProject('eventarc-receiver', 'roles/eventarc.eventReceiver', identity.eventarcTrigger.member);
    // Eventarc's upload trigger is a Pub/Sub topic the Cloud Storage service agent publishes object notifications to.
    const storageAgent = onProject('storage-agent-publisher', 'roles/pubsub.publisher', `serviceAccount:${identity.serviceAgents.storage}`, agentsReady);
    // The Eventarc service agent's own role, which a new project's agent may not have yet when the trigger is created.
    const eventarcAgent = onProject('eventarc-agent', 'roles/eventarc.serviceAgent', `serviceAccount:${identity.serviceAgents.eventarc}`, agentsReady);
    this.triggerPrerequisites = [eventReceiver, storageAgent, eventarcAgent];

    // Pub/Sub service agent: mints the push OIDC tokens, moves messages to the dead-letter topic.
    const pubsubAgent = `serviceAccount:${identity.serviceAgents.pubsub}`;
    needed(
      new ServiceAccountIamMember(this, 'pubsub-agent-token-creator', {
        serviceAccountId: identity.pushInvoker.name,
        role: 'roles/iam.serviceAccountTokenCreator',
        member: pubsubAgent,
        dependsOn: agentsReady,
      }),
    );
    publisher('pubsub-agent-dead-letter', props.topics.deadLetter, pubsubAgent, agentsReady);
    props.pushSubscriptions.forEach((subscription, i) => {
      new PubsubSubscriptionIamMember(this, `dead-letter-forwarder-${i}`, {
        project,
        subscription: subscription.name,
        role: 'roles/pubsub.subscriber',
        member: pubsubAgent,
        dependsOn: agentsReady,
      });
    });

    // Worker pods: Workload Identity from their Kubernetes service account; read inputs, create shard results, publish completions.
    const { namespace, name } = props.workerKubernetesAccount;
    new ServiceAccountIamMember(this, 'worker-workload-identity', {
      serviceAccountId: identity.worker.name,
      role: 'roles/iam.workloadIdentityUser',
      member: `serviceAccount:${project}.svc.id.goog[${namespace}/${name}]`,
      dependsOn: [...props.workloadPoolCreatedBy],
    });
    const worker = identity.worker.member;
    onBucket('worker-manifests-read', buckets.manifests, 'roles/storage.objectViewer', worker);
    onBucket('worker-results-read', buckets.results, 'roles/storage.objectViewer', worker);
    onBucket('worker-results-create', buckets.results, 'roles/storage.objectCreator', worker);
    publisher('worker-completions', props.topics.completions, worker);

    // Nodes: the minimal GKE node role, and pulls from the worker image repository.
    onProject('nodes-default', 'roles/container.defaultNodeServiceAccount', identity.nodes.member);
    onRepository('nodes-pull', props.repositories.images, 'roles/artifactregistry.reader', identity.nodes.member);

    // Builds: read the staged source, push to their own repository, write build logs.
    const builds = [
      { key: 'functions-build', account: identity.functionsBuild, repository: props.repositories.functionImages },
      { key: 'image-build', account: identity.imageBuild, repository: props.repositories.images },
    ];
    for (const { key, account, repository } of builds) {
      if (key === 'functions-build') {
        for (const role of FUNCTIONS_BUILD_PROJECT_ROLES) onProject(`${key}-${role === 'roles/logging.logWriter' ? 'logs' : 'objects'}`, role, account.member);
      } else {
        onProject(`${key}-logs`, 'roles/logging.logWriter', account.member);
        onBucket(`${key}-sources-read`, buckets.sources, 'roles/storage.objectViewer', account.member);
      }
      needed(onRepository(`${key}-push`, repository, 'roles/artifactregistry.writer', account.member));
    }

    this.functionsMayStart = new Sleep(this, 'iam-propagation', { createDuration: IAM_PROPAGATION_WAIT, dependsOn: beforeFunctions });
  }
}
