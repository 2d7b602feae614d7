/**
 * The ordered steps of `npm run deploy`, from the fleet configuration (pure):
 * state bucket, functions build, apply, worker image through Cloud Build with
 * its digest pinned, cluster bootstrap, a second apply that ships the pinned
 * configuration to the functions, and a final check. Each step names its
 * command and the inputs it acts on, so `--dry-run` can print exactly what a
 * real run would do.
 */
import type { FleetConfig } from '../../shared/fleet-config.ts';
import { stateBucketName } from '../config.ts';
import { stackName, statePrefix } from '../stack.ts';

/** A command line: program and arguments. */
export type CommandLine = readonly [string, ...string[]];

/** One step of the deploy. */
export interface DeployStep {
  readonly id: 'state-bucket' | 'build-functions' | 'apply' | 'image' | 'bootstrap' | 'apply-pinned' | 'check';
  readonly title: string;
  /** What the step acts on, for the printed plan. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Run in order; the first failure stops the deploy. */
  readonly commands: readonly CommandLine[];
  /** When this succeeds, the step has nothing to do (the state bucket exists). */
  readonly skipWhen?: CommandLine;
  /**
   * What `--dry-run` runs instead when credentials are at hand: read-only for the
   * project (`terraform plan`), or local only (the functions build `terraform plan`
   * reads with `filemd5`).
   */
  readonly preview?: CommandLine;
  /** The preview when the state bucket does not exist yet (a first deploy): a plan against an empty state. */
  readonly previewWithoutState?: CommandLine;
}

/** Where the deploy reads its configuration. */
export interface DeployInputs {
  readonly fleet: FleetConfig;
  readonly configPath: string;
}

/** The steps, in order. */
export function deploySteps({ fleet, configPath }: DeployInputs): DeployStep[] {
  const stack = stackName(fleet.environment);
  const bucket = `gs://${stateBucketName(fleet.project)}`;
  const project = fleet.project;
  const cdktf = (verb: 'deploy' | 'plan'): CommandLine =>
    verb === 'deploy' ? ['npx', 'cdktf', 'deploy', stack, '--auto-approve'] : ['npx', 'cdktf', 'plan', stack];
  const altus = (...args: string[]): CommandLine => ['npx', 'tsx', 'scripts/cli/main.ts', ...args, '--config', configPath];
  return [
    {
      id: 'state-bucket',
      title: 'Terraform state bucket (created once, versioned, private)',
      inputs: { bucket, project, location: fleet.hub.region },
      skipWhen: ['gcloud', 'storage', 'buckets', 'describe', bucket, `--project=${project}`, '--format=value(name)'],
      commands: [
        [
          'gcloud',
          'storage',
          'buckets',
          'create',
          bucket,
          `--project=${project}`,
          `--location=${fleet.hub.region}`,
          '--uniform-bucket-level-access',
          '--public-access-prevention',
        ],
        ['gcloud', 'storage', 'buckets', 'update', bucket, '--versioning'],
      ],
    },
    {
      id: 'build-functions',
      title: 'Functions archive (dist/functions.zip)',
      inputs: { config: configPath },
      commands: [['npm', 'run', 'build']],
      // terraform plan hashes the archive (filemd5): a fresh clone has none until it is built.
      preview: ['npm', 'run', 'build'],
    },
    {
      id: 'apply',
      title: `Apply stack ${stack}`,
      inputs: { stack, backend: `${bucket}/${statePrefix(fleet.environment)}`, config: configPath },
      commands: [cdktf('deploy')],
      preview: cdktf('plan'),
      // The GCS backend refuses a missing bucket, so a first deploy's dry run plans against an empty local state.
      previewWithoutState: ['npx', 'tsx', 'infra/deploy/fresh-plan.ts', stack],
    },
    {
      id: 'image',
      title: 'Worker image through Cloud Build, pinned by digest in the configuration',
      inputs: { repository: fleet.workerImage.replace(/[:@].*$/, ''), config: configPath },
      commands: [['npx', 'tsx', 'infra/image.ts', '--pin', '--config', configPath]],
    },
    {
      id: 'bootstrap',
      title: 'Cluster bootstrap from inside the VPC (namespace, quota, worker service account, priority class, RBAC)',
      inputs: {
        function: `altus-bootstrap (${fleet.hub.region})`,
        clusters: fleet.clusters.map((c) => `${c.name} (${c.region})`).join(', '),
        namespace: fleet.namespace,
      },
      // The control planes take no outside traffic: the bootstrap function reaches their private endpoints.
      commands: [['gcloud', 'functions', 'call', 'altus-bootstrap', '--gen2', `--region=${fleet.hub.region}`, `--project=${project}`]],
    },
    {
      id: 'apply-pinned',
      title: 'Ship the pinned configuration to the functions (build and apply again)',
      inputs: { stack, config: configPath },
      commands: [['npm', 'run', 'build'], cdktf('deploy')],
    },
    {
      id: 'check',
      title: 'Final check (altus doctor --cloud)',
      inputs: { project },
      commands: [altus('doctor', '--cloud')],
    },
  ];
}

/** The plan as text, one block per step: title, inputs, commands. */
export function renderPlan(steps: readonly DeployStep[]): string {
  return steps
    .map((step, i) => {
      const inputs = Object.entries(step.inputs).map(([k, v]) => `    ${k}: ${v}`);
      const skip = step.skipWhen ? [`    skipped when: ${step.skipWhen.join(' ')}`] : [];
      const commands = step.commands.map((c) => `    $ ${c.join(' ')}`);
      return [`${i + 1}. ${step.id}: ${step.title}`, ...inputs, ...skip, ...commands].join('\n');
    })
    .join('\n');
}
