/**
 * The identities of the fleet: one service account per function, one for the
 * worker pods (bound to their Kubernetes service account through Workload
 * Identity), one for the nodes, and the few that act for the platform (push
 * invoker, Eventarc trigger, builds). No keys: every one of them is used by a
 * Google service or through Workload Identity. What each may do is granted in
 * `access.ts`.
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { GoogleProjectServiceIdentity } from '@cdktf/provider-google-beta/lib/google-project-service-identity/index.js';
import { Sleep } from '@cdktf/provider-time/lib/sleep/index.js';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project/index.js';
import { DataGoogleStorageProjectServiceAccount } from '@cdktf/provider-google/lib/data-google-storage-project-service-account/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { functionAccountId, PLATFORM_ACCOUNT_IDS } from '../config.ts';
import type { FunctionName, FunctionSpec } from '../function-catalog.ts';

/** Props of {@link Identity}. */
export interface IdentityProps {
  readonly project: string;
  readonly functions: readonly FunctionSpec[];
  /** Account id of the worker pods' Google service account (from the fleet configuration). */
  readonly workerAccountId: string;
  /** The google-beta provider: service identities are a beta resource. */
  readonly betaProvider: TerraformProvider;
  /**
   * Create the Firestore and Artifact Registry service agents too: with CMEK on they
   * need key grants, and neither exists on a new project until something creates it
   * (Firestore's "Use CMEK" page: `gcloud beta services identity create`).
   */
  readonly cmekAgents?: boolean;
}

/**
 * How long a service agent created by `google_project_service_identity` takes before
 * grants to it are accepted: the provider's documentation for that resource asks for
 * a wait after it ("the service agent may not be usable immediately"); a minute
 * covers the delays reported for Pub/Sub and Eventarc agents on new projects.
 */
export const SERVICE_AGENT_WAIT = '60s';

/** Google-managed service agents the wiring relies on. */
export interface ServiceAgents {
  /** Pub/Sub: mints push OIDC tokens, forwards to the dead-letter topic. */
  readonly pubsub: string;
  /** Cloud Storage: publishes object notifications for the upload trigger. */
  readonly storage: string;
  /** Eventarc: creates the upload trigger's subscription and invokes through it. */
  readonly eventarc: string;
  /** Firestore and Artifact Registry: encrypt with the project's keys (only created with CMEK on). */
  readonly firestore?: string;
  readonly artifactRegistry?: string;
}

/** The service accounts of the fleet. */
export class Identity extends Construct {
  /** One runtime service account per function. */
  readonly functions: Readonly<Record<FunctionName, ServiceAccount>>;
  /** Signs the OIDC tokens of the push subscriptions. */
  readonly pushInvoker: ServiceAccount;
  /** Identity of the Eventarc trigger that invokes `ingest`. */
  readonly eventarcTrigger: ServiceAccount;
  /** Worker pods, through Workload Identity. */
  readonly worker: ServiceAccount;
  /** GKE nodes (hub and workers): logging, metrics, image pulls. */
  readonly nodes: ServiceAccount;
  /** Builds the functions from the source archive. */
  readonly functionsBuild: ServiceAccount;
  /** Builds and pushes the worker image (`npm run image`). */
  readonly imageBuild: ServiceAccount;
  readonly projectNumber: string;
  readonly serviceAgents: ServiceAgents;
  /** Completes once the Pub/Sub and Eventarc service agents exist and have had time to propagate. */
  readonly serviceAgentsReady: Sleep;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    const account = (accountId: string, displayName: string) => new ServiceAccount(this, accountId, { project: props.project, accountId, displayName });

    this.functions = Object.fromEntries(props.functions.map((f) => [f.name, account(functionAccountId(f.name), `Altus function ${f.name}`)])) as Record<
      FunctionName,
      ServiceAccount
    >;
    this.pushInvoker = account(PLATFORM_ACCOUNT_IDS.pushInvoker, 'Altus Pub/Sub push invoker');
    this.eventarcTrigger = account(PLATFORM_ACCOUNT_IDS.eventarcTrigger, 'Altus Eventarc trigger of ingest');
    this.worker = account(props.workerAccountId, 'Altus worker pods (Workload Identity)');
    this.nodes = account(PLATFORM_ACCOUNT_IDS.nodes, 'Altus GKE nodes');
    this.functionsBuild = account(PLATFORM_ACCOUNT_IDS.functionsBuild, 'Altus functions build');
    this.imageBuild = account(PLATFORM_ACCOUNT_IDS.imageBuild, 'Altus worker image build');

    const project = new DataGoogleProject(this, 'project', { projectId: props.project });
    this.projectNumber = project.number;
    const storageAgent = new DataGoogleStorageProjectServiceAccount(this, 'storage-agent', { project: props.project });
    // On a new project these agents exist only once something creates them: create them first.
    const agent = (key: string, service: string) =>
      new GoogleProjectServiceIdentity(this, key, { provider: props.betaProvider, project: props.project, service });
    const pubsubAgent = agent('pubsub-agent', 'pubsub.googleapis.com');
    const eventarcAgent = agent('eventarc-agent', 'eventarc.googleapis.com');
    const firestoreAgent = props.cmekAgents ? agent('firestore-agent', 'firestore.googleapis.com') : undefined;
    const registryAgent = props.cmekAgents ? agent('artifactregistry-agent', 'artifactregistry.googleapis.com') : undefined;
    this.serviceAgentsReady = new Sleep(this, 'service-agents-ready', {
      createDuration: SERVICE_AGENT_WAIT,
      dependsOn: [pubsubAgent, eventarcAgent, storageAgent, ...(firestoreAgent && registryAgent ? [firestoreAgent, registryAgent] : [])],
    });
    this.serviceAgents = {
      pubsub: pubsubAgent.email,
      storage: storageAgent.emailAddress,
      eventarc: eventarcAgent.email,
      ...(firestoreAgent && registryAgent ? { firestore: firestoreAgent.email, artifactRegistry: registryAgent.email } : {}),
    };
  }
}
