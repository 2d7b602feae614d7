/**
 * `altus up` / `altus down`: start the local stack's supervisor detached and wait
 * until it reports ready (or why it failed); stop it and wait until it is gone.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureControlPlane } from '../controlplane/build.ts';
import { alive, sleep } from '../stack/processes.ts';
import { readStack, stackFile, type StackInfo } from '../stack/state.ts';
import { UsageError } from './exit-codes.ts';

const SUPERVISOR = fileURLToPath(new URL('../stack/supervisor.ts', import.meta.url));

/** The running stack, or null. A state file left by a dead supervisor is removed. */
export function runningStack(home: string): StackInfo | null {
  const info = readStack(home);
  if (!info) return null;
  if (!alive(info.supervisorPid)) {
    rmSync(stackFile(home), { force: true });
    return null;
  }
  return info.status === 'ready' ? info : null;
}

/** The running stack, or a usage error telling how to start one. */
export function requireStack(home: string): StackInfo {
  const info = runningStack(home);
  if (!info) throw new UsageError(`no local stack is running (looked in ${home}); start one with \`altus up\``);
  return info;
}

/** Starts the stack unless it runs already; resolves when it is ready. */
export async function up(
  home: string,
  options: {
    fleetConfig?: string;
    timeoutSeconds?: number;
    onWait?: (elapsedSeconds: number) => void;
    /** More environment for the stack's processes (e.g. ALTUS_CHAOS_DIR for the chaos suite). */
    env?: Record<string, string>;
  } = {},
): Promise<{ info: StackInfo; started: boolean }> {
  const existing = readStack(home);
  if (existing && alive(existing.supervisorPid)) {
    if (existing.status === 'ready') return { info: existing, started: false };
  } else if (existing) {
    rmSync(stackFile(home), { force: true });
  }
  // The stack runs the real Kubernetes control plane: a fresh machine builds it once, saying so.
  await ensureControlPlane((line) => process.stderr.write(`${line}\n`));
  mkdirSync(join(home, 'logs'), { recursive: true });
  const log = openSync(join(home, 'logs', 'supervisor.log'), 'a');
  const args = ['--import', 'tsx', SUPERVISOR, `--home=${home}`];
  if (options.fleetConfig) args.push(`--fleet-config=${options.fleetConfig}`);
  if (!existing) {
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...options.env } });
    child.unref();
  }
  const started = Date.now();
  const timeout = (options.timeoutSeconds ?? 420) * 1000;
  while (Date.now() - started < timeout) {
    await sleep(250);
    const info = readStack(home);
    if (info?.status === 'ready') return { info, started: true };
    if (info?.status === 'failed') {
      rmSync(stackFile(home), { force: true });
      throw new UsageError(`the local stack failed to start: ${info.error} (logs: ${join(home, 'logs')})`);
    }
    options.onWait?.((Date.now() - started) / 1000);
  }
  throw new UsageError(`the local stack did not become ready within ${timeout / 1000} s (logs: ${join(home, 'logs')})`);
}

/** Stops the stack (exporting Firestore first); resolves when every process is gone. */
export async function down(home: string, timeoutSeconds = 120): Promise<boolean> {
  const info = readStack(home);
  if (!info || !alive(info.supervisorPid)) {
    rmSync(stackFile(home), { force: true });
    return false;
  }
  process.kill(info.supervisorPid, 'SIGTERM');
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    if (!alive(info.supervisorPid)) return true;
    await sleep(200);
  }
  process.kill(-info.supervisorPid, 'SIGKILL');
  throw new UsageError(`the local stack did not stop within ${timeoutSeconds} s; it was killed`);
}
