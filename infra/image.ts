/**
 * `npm run image [-- --tag TAG] [--config PATH] [--pin]`: builds and pushes the
 * worker image with Cloud Build and prints it by digest; `--pin` writes that
 * digest into the fleet configuration's `workerImage`, which is what the
 * dispatched Jobs run. Needs the stack deployed (repository, build account,
 * sources bucket) and `gcloud` signed in.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_FLEET_CONFIG } from '../shared/config.ts';
import { loadFleetConfig } from '../shared/fleet-config.ts';
import { buildWorkerImage, pinWorkerImage, type CommandRunner } from './image-build.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a command with its progress on our stderr and returns its stdout. */
const runCommand: CommandRunner = (command, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}`))));
  });

const { values } = parseArgs({
  options: { config: { type: 'string' }, tag: { type: 'string' }, pin: { type: 'boolean', default: false } },
});
const configPath = values.config ?? DEFAULT_FLEET_CONFIG;
const tag = values.tag ?? new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

try {
  const fleet = loadFleetConfig(configPath);
  const image = await buildWorkerImage({ fleet, tag, sourceDir: root, buildConfig: fileURLToPath(new URL('./cloudbuild.yaml', import.meta.url)) }, runCommand);
  process.stdout.write(`${image}\n`);
  if (values.pin) {
    writeFileSync(configPath, pinWorkerImage(readFileSync(configPath, 'utf8'), image));
    process.stderr.write(`workerImage in ${configPath} now names ${image}\n`);
  } else {
    process.stderr.write(`set "workerImage" in ${configPath} to this reference (or run again with --pin)\n`);
  }
} catch (error) {
  process.stderr.write(`altus image: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
