/**
 * The Google APIs the fleet uses, enabled by the stack itself, and an aspect
 * that makes every other resource wait for them (a fresh project otherwise
 * fails its first `cdktf deploy` on "API not enabled").
 */
import { Aspects, DataResource, dependable, TerraformDataSource, TerraformResource, type IAspect } from 'cdktf';
import { Construct, type IConstruct } from 'constructs';
import { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';

/**
 * Services Altus needs. Besides one per product the stack creates:
 * `cloudresourcemanager` (project IAM grants and the project lookup go through it),
 * `containerfilesystem` (image streaming, on for every worker pool: without it GKE
 * cannot create the pools), `iamcredentials` and `sts` (Workload Identity: the GKE
 * metadata server exchanges a pod's Kubernetes token with the Security Token Service,
 * then mints the worker account's access token with the IAM Credentials API).
 */
export const REQUIRED_APIS = [
  'artifactregistry.googleapis.com',
  'binaryauthorization.googleapis.com',
  'cloudbuild.googleapis.com',
  'cloudfunctions.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'cloudscheduler.googleapis.com',
  'compute.googleapis.com',
  'container.googleapis.com',
  'containerfilesystem.googleapis.com',
  'dns.googleapis.com',
  'eventarc.googleapis.com',
  'firebaserules.googleapis.com',
  'firestore.googleapis.com',
  'iam.googleapis.com',
  'iamcredentials.googleapis.com',
  'logging.googleapis.com',
  'monitoring.googleapis.com',
  'pubsub.googleapis.com',
  'run.googleapis.com',
  'storage.googleapis.com',
  'sts.googleapis.com',
  'vpcaccess.googleapis.com',
] as const;

/** Props of {@link Apis}. */
export interface ApisProps {
  readonly project: string;
  /** Services beyond {@link REQUIRED_APIS} that optional parts of the stack use. */
  readonly optional?: readonly string[];
}

/** Enables {@link REQUIRED_APIS}; `ready` is the one node the rest of the stack depends on. */
export class Apis extends Construct {
  /** Completes once every API is enabled. */
  readonly ready: DataResource;

  constructor(scope: Construct, id: string, props: ApisProps) {
    super(scope, id);
    const services = [...REQUIRED_APIS, ...(props.optional ?? [])].map(
      (service) =>
        new ProjectService(this, service.split('.')[0]!, {
          project: props.project,
          service,
          // Other workloads of the project may use these APIs: never disable them on destroy.
          disableOnDestroy: false,
          disableDependentServices: false,
        }),
    );
    this.ready = new DataResource(this, 'ready', { dependsOn: services });
  }

  /**
   * Makes every resource and data source under `scope` (except the APIs themselves)
   * depend on {@link ready}: a data source read before its API is on fails the first
   * plan of a new project (`google_project` needs Cloud Resource Manager, the storage
   * service agent the Storage API). Terraform then reads them during apply.
   */
  applyTo(scope: IConstruct): void {
    Aspects.of(scope).add(new DependOnApis(this.ready));
  }
}

class DependOnApis implements IAspect {
  /**
   * The reference as `dependsOn` props make it (a bare `terraform_data.<name>` in the
   * JSON). The raw `fqn` would synthesize as `"${terraform_data.<name>}"`, which
   * `terraform init` refuses in depends_on ("A single static variable reference is
   * required"), so no plan or apply could start.
   */
  private readonly reference: string;

  constructor(private readonly ready: DataResource) {
    this.reference = dependable(ready);
  }

  visit(node: IConstruct): void {
    const dependent = node instanceof TerraformResource || node instanceof TerraformDataSource;
    if (!dependent || node instanceof ProjectService || node === this.ready) return;
    if (!(node.dependsOn ?? []).includes(this.reference)) node.dependsOn = [...(node.dependsOn ?? []), this.reference];
  }
}
