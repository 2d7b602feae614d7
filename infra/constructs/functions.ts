/**
 * Every function of the catalog as a gen2 Cloud Function built from the zipped
 * build of the repository (`dist/functions.zip`, see infra/README.md): `ingest`
 * behind an Eventarc trigger on object finalized in the manifests bucket (with
 * retries), the Pub/Sub-driven ones behind the push subscriptions of
 * `messaging.ts`, `dashboard` as plain HTTPS. Each runs as its own service
 * account; none is invokable by `allUsers` (invokers are granted in `access.ts`).
 * `dispatch` and `reconcile` reach the private worker control planes through
 * the VPC connector.
 */
import { Construct } from 'constructs';
import { dependable, type ITerraformDependable } from 'cdktf';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import type { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository/index.js';
import type { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import type { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import type { VpcAccessConnector } from '@cdktf/provider-google/lib/vpc-access-connector/index.js';
import type { FunctionName, FunctionSpec } from '../function-catalog.ts';

/** Node.js runtime of the functions (the repository targets Node 20). */
export const FUNCTIONS_RUNTIME = 'nodejs20';

/** Props of {@link Functions}. */
export interface FunctionsProps {
  readonly project: string;
  readonly region: string;
  readonly specs: readonly FunctionSpec[];
  readonly runtimeAccounts: Readonly<Record<FunctionName, ServiceAccount>>;
  readonly buildAccount: ServiceAccount;
  readonly triggerAccount: ServiceAccount;
  readonly buildRepository: ArtifactRegistryRepository;
  readonly sourceBucket: StorageBucket;
  readonly sourceObject: StorageBucketObject;
  readonly manifestsBucket: StorageBucket;
  readonly connector: VpcAccessConnector;
  /** The runtime environment every function gets (shared/config.ts reads it). */
  readonly environment: Readonly<Record<string, string>>;
  /** The dashboard is reached only through its load balancer (IAP). */
  readonly dashboardBehindLoadBalancer: boolean;
}

/** The deployed functions. */
export class Functions extends Construct {
  /** Functions by name. */
  readonly byName: Readonly<Record<FunctionName, Cloudfunctions2Function>>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const byName = {} as Record<FunctionName, Cloudfunctions2Function>;
    for (const spec of props.specs) {
      const { trigger } = spec;
      byName[spec.name] = new Cloudfunctions2Function(this, spec.name, {
        project: props.project,
        location: props.region,
        name: `altus-${spec.name}`,
        description: spec.description,
        labels: { 'altus-function': spec.name, 'altus-trigger': trigger.kind },
        buildConfig: {
          runtime: FUNCTIONS_RUNTIME,
          entryPoint: spec.entryPoint,
          source: { storageSource: { bucket: props.sourceBucket.name, object: props.sourceObject.name } },
          dockerRepository: props.buildRepository.id,
          serviceAccount: props.buildAccount.id,
        },
        serviceConfig: {
          availableMemory: spec.memory,
          availableCpu: spec.cpu,
          timeoutSeconds: spec.timeoutSeconds,
          minInstanceCount: 0,
          maxInstanceCount: spec.maxInstances,
          maxInstanceRequestConcurrency: spec.concurrency,
          serviceAccountEmail: props.runtimeAccounts[spec.name].email,
          // Pub/Sub push and Eventarc count as internal traffic; only the dashboard is reached from outside (with IAM).
          ingressSettings:
            trigger.kind !== 'http'
              ? 'ALLOW_INTERNAL_ONLY'
              : trigger.invokers === 'dashboard-viewers' && props.dashboardBehindLoadBalancer
                ? 'ALLOW_INTERNAL_AND_GCLB'
                : 'ALLOW_ALL',
          allTrafficOnLatestRevision: true,
          environmentVariables: { ...props.environment },
          ...(spec.vpcEgress ? { vpcConnector: props.connector.id, vpcConnectorEgressSettings: 'PRIVATE_RANGES_ONLY' } : {}),
        },
        ...(trigger.kind === 'storage'
          ? {
              eventTrigger: {
                triggerRegion: props.region,
                eventType: 'google.cloud.storage.object.v1.finalized',
                eventFilters: [{ attribute: 'bucket', value: props.manifestsBucket.name }],
                // Ingest is idempotent on (bucket, object, generation): a retried upload event is harmless.
                retryPolicy: 'RETRY_POLICY_RETRY',
                serviceAccountEmail: props.triggerAccount.email,
              },
            }
          : {}),
      });
    }
    this.byName = byName;
  }

  /** Makes every function wait for `prerequisites` (its build and runtime grants, and their propagation). */
  waitFor(prerequisites: readonly ITerraformDependable[]): void {
    for (const fn of Object.values(this.byName)) fn.dependsOn = [...(fn.dependsOn ?? []), ...prerequisites.map((p) => dependable(p))];
  }

  /** Makes the functions with an Eventarc trigger wait for `prerequisites` (IAM the trigger needs at creation). */
  waitForTriggerPrerequisites(prerequisites: readonly ITerraformDependable[]): void {
    for (const fn of Object.values(this.byName)) {
      if (fn.eventTriggerInput === undefined) continue;
      fn.dependsOn = [...(fn.dependsOn ?? []), ...prerequisites.map((p) => dependable(p))];
    }
  }
}
