/**
 * `npx tsx infra/deploy/fresh-plan.ts <stack>`: `terraform plan` for a project whose
 * state bucket does not exist yet (a first deploy's dry run). `cdktf plan` cannot
 * start there: the GCS backend refuses a missing bucket. This synthesizes the stack,
 * copies it beside the real one (same depth, so `${path.module}` paths such as the
 * functions archive still resolve), points the copy at an empty local state through
 * a backend override, plans, and removes the copy: the real stack directory and any
 * real state are never touched, and nothing in the project changes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const stack = process.argv[2];
if (!stack || !/^[a-z0-9-]+$/.test(stack)) {
  process.stderr.write('usage: fresh-plan.ts <stack>\n');
  process.exit(2);
}
const env = { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1' };
const run = (command: string, args: string[]): number => spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1;

const stacks = join(root, 'cdktf.out', 'stacks');
const copy = join(stacks, `${stack}-fresh-plan`);
let code = run('npx', ['cdktf', 'synth']);
if (code === 0) {
  rmSync(copy, { recursive: true, force: true });
  cpSync(join(stacks, stack), copy, { recursive: true, filter: (source) => !source.includes(`${stack}/.terraform`) });
  // Terraform merges *_override.tf.json last: this backend replaces the GCS one in the copy only.
  writeFileSync(join(copy, 'fresh_plan_override.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: 'fresh-plan.tfstate' } } } }));
  code = run('terraform', [`-chdir=${copy}`, 'init', '-input=false', '-reconfigure']);
  if (code === 0) code = run('terraform', [`-chdir=${copy}`, 'plan', '-input=false', '-lock=false']);
  rmSync(copy, { recursive: true, force: true });
}
process.exitCode = code;
