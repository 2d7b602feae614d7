/**
 * Runs the deploy steps in order with an injected command runner, or, for
 * `--dry-run`, prints them and, when credentials are at hand, runs only the
 * read-only previews (`terraform plan`). Stops at the first failing step and
 * says which it was.
 */
import { renderPlan, type CommandLine, type DeployStep } from './plan.ts';

/** Runs a command with its output on the terminal; resolves to its exit code. */
export type CommandRunner = (command: CommandLine) => Promise<number>;

/** What the deploy prints and how it runs commands. */
export interface DeployRuntime {
  readonly run: CommandRunner;
  readonly write: (text: string) => void;
  /** Whether Application Default Credentials are usable (decides the dry run's previews). */
  readonly hasCredentials: () => Promise<boolean>;
}

/** A step's command failed; the deploy stopped there. */
export class DeployStepError extends Error {
  override readonly name = 'DeployStepError';
  constructor(
    readonly step: DeployStep['id'],
    readonly command: CommandLine,
    readonly exitCode: number,
  ) {
    super(`step ${step} failed: \`${command.join(' ')}\` exited with ${exitCode}`);
  }
}

/**
 * Prints the plan; with credentials, also runs each step's preview: whether the state
 * bucket exists (its step's read-only check), the local functions build, and
 * `terraform plan` (against an empty state when the bucket does not exist yet, as on
 * a new project). Never changes anything in the project.
 */
export async function dryRun(steps: readonly DeployStep[], runtime: DeployRuntime): Promise<void> {
  runtime.write(`${renderPlan(steps)}\n`);
  if (!(await runtime.hasCredentials())) {
    runtime.write(
      '\nNo Application Default Credentials: the plan above is not checked against the project (gcloud auth application-default login, then run again to see terraform plan).\n',
    );
    return;
  }
  const stateStep = steps.find((s) => s.id === 'state-bucket');
  let stateExists = true;
  if (stateStep?.skipWhen) {
    stateExists = (await runtime.run(stateStep.skipWhen)) === 0;
    runtime.write(
      stateExists
        ? '\nstate-bucket: exists\n'
        : '\nstate-bucket: does not exist yet (the deploy creates it first); terraform plan runs against an empty state\n',
    );
  }
  for (const step of steps) {
    const preview = !stateExists && step.previewWithoutState ? step.previewWithoutState : step.preview;
    if (!preview) continue;
    runtime.write(`\n${step.id}: $ ${preview.join(' ')}\n`);
    const code = await runtime.run(preview);
    if (code !== 0) throw new DeployStepError(step.id, preview, code);
  }
}

/** Runs every step in order. */
export async function deploy(steps: readonly DeployStep[], runtime: DeployRuntime): Promise<void> {
  for (const [i, step] of steps.entries()) {
    runtime.write(`\n[${i + 1}/${steps.length}] ${step.id}: ${step.title}\n`);
    if (step.skipWhen && (await runtime.run(step.skipWhen)) === 0) {
      runtime.write('  already done\n');
      continue;
    }
    for (const command of step.commands) {
      runtime.write(`  $ ${command.join(' ')}\n`);
      const code = await runtime.run(command);
      if (code !== 0) throw new DeployStepError(step.id, command, code);
    }
  }
  runtime.write('\nDeployed.\n');
}
