/**
 * Google's Pub/Sub and Firestore emulators from the Google Cloud CLI. Firestore
 * history survives `altus down`/`altus up`: it is exported on the way down (the
 * emulator's export endpoint) and imported on the way up (`--import-data`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, waitForHttp, type ManagedProcess } from './processes.ts';

/** The Google Cloud CLI is missing or lacks the emulator components. */
export class EmulatorUnavailableError extends Error {
  override readonly name = 'EmulatorUnavailableError';
}

const INSTALL_HINT =
  'Install the Google Cloud CLI with the emulators: `apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator` ' +
  '(or `gcloud components install pubsub-emulator cloud-firestore-emulator beta`), and Java 17+.';

/** Checks that gcloud and java are on PATH. */
export function checkEmulatorPrerequisites(): void {
  for (const [tool, args] of [
    ['gcloud', ['--version']],
    ['java', ['-version']],
  ] as const) {
    try {
      execFileSync(tool, [...args], { stdio: 'ignore', timeout: 60_000 });
    } catch {
      throw new EmulatorUnavailableError(`${tool} is not available. ${INSTALL_HINT}`);
    }
  }
}

/** Starts the Pub/Sub emulator on `port`. */
export async function startPubSubEmulator(port: number, projectId: string, logDir: string): Promise<ManagedProcess> {
  const proc = startProcess('pubsub-emulator', 'gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=127.0.0.1:${port}`, `--project=${projectId}`], {
    env: process.env,
    logFile: join(logDir, 'pubsub-emulator.log'),
  });
  await waitForHttp(`http://127.0.0.1:${port}/`, 180_000, (body) => body.includes('Ok'));
  return proc;
}

/** Starts the Firestore emulator on `port`, importing the last export under `dataDir` if there is one. */
export async function startFirestoreEmulator(port: number, dataDir: string, logDir: string, rulesFile?: string): Promise<ManagedProcess> {
  const exportMetadata = latestExport(dataDir);
  const args = ['emulators', 'firestore', 'start', `--host-port=127.0.0.1:${port}`];
  if (exportMetadata) args.push(`--import-data=${exportMetadata}`);
  if (rulesFile) args.push(`--rules=${rulesFile}`);
  const proc = startProcess('firestore-emulator', 'gcloud', args, { env: process.env, logFile: join(logDir, 'firestore-emulator.log') });
  await waitForHttp(`http://127.0.0.1:${port}/`, 180_000, (body) => body.includes('Ok'));
  return proc;
}

/** Exports the emulator's data to `dataDir/current` (replacing the previous export). */
export async function exportFirestore(port: number, projectId: string, dataDir: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const staging = join(dataDir, `staging-${Date.now()}`);
  mkdirSync(staging);
  const res = await fetch(`http://127.0.0.1:${port}/emulator/v1/projects/${projectId}:export`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ database: `projects/${projectId}/databases/(default)`, export_directory: staging }),
    signal: AbortSignal.timeout(120_000),
  });
  if (!res.ok) throw new Error(`Firestore export failed: HTTP ${res.status} ${await res.text()}`);
  const current = join(dataDir, 'current');
  rmSync(current, { recursive: true, force: true });
  renameSync(staging, current);
}

/** The metadata file of the last export, if any. */
function latestExport(dataDir: string): string | undefined {
  const current = join(dataDir, 'current');
  if (!existsSync(current)) return undefined;
  const folder = readdirSync(current).find((f) => f.startsWith('firestore_export'));
  if (!folder) return undefined;
  const metadata = join(current, folder, `${folder}.overall_export_metadata`);
  return existsSync(metadata) ? metadata : undefined;
}
