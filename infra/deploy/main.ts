/**
 * `npm run deploy [-- --dry-run] [--config PATH]`: the one command a new operator
 * runs (infra/README.md). `--dry-run` prints every step with its inputs and exits 0
 * without credentials; with them it also shows `terraform plan`. The one file of
 * the deploy that touches the process, the disk and the network.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GoogleAuth } from 'google-auth-library';
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { deploySteps } from './plan.ts';
import { deploy, dryRun, type DeployRuntime } from './run.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Long enough for a credentials file or gcloud's; a missing metadata server must not hang the dry run. */
const CREDENTIALS_TIMEOUT_MILLISECONDS = 5000;

const runtime: DeployRuntime = {
  run: ([command, ...args]) =>
    new Promise((resolve) => {
      const child = spawn(command, args, {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1', ALTUS_FLEET_CONFIG: configPath },
      });
      child.once('error', () => resolve(127));
      child.once('close', (code) => resolve(code ?? 1));
    }),
  write: (text) => process.stdout.write(text),
  hasCredentials: async () => {
    const attempt = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getAccessToken().then(
      (token) => Boolean(token),
      () => false,
    );
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CREDENTIALS_TIMEOUT_MILLISECONDS).unref());
    return Promise.race([attempt, timeout]);
  },
};

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false }, config: { type: 'string' } } });
const configPath = values.config ?? process.env.ALTUS_FLEET_CONFIG ?? DEFAULT_FLEET_CONFIG;

try {
  const steps = deploySteps({ fleet: loadFleetConfig(configPath), configPath });
  await (values['dry-run'] ? dryRun(steps, runtime) : deploy(steps, runtime));
} catch (error) {
  process.stderr.write(`altus deploy: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
