/**
 * Child processes of the local stack, each in its own process group so stopping
 * it stops everything it started (the gcloud emulator wrappers leave their Java
 * servers running when only the wrapper is killed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A started server process. */
export interface ManagedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
}

/** Starts `command` detached in a new process group, output appended to `logFile`. */
export function startProcess(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string }): ManagedProcess {
  const out = openSync(options.logFile, 'a');
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', out, out] });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  return { name, pid: child.pid, child };
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMilliseconds`. */
export async function stopProcessGroup(pid: number, graceMilliseconds = 3000): Promise<void> {
  if (!alive(-pid)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMilliseconds;
  while (Date.now() < deadline) {
    if (!alive(-pid)) return;
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** True when the process (or group, for a negative pid) exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForPort(port: number, timeoutMilliseconds: number): Promise<void> {
  const deadline = Date.now() + timeoutMilliseconds;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(200);
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMilliseconds / 1000} s`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers below 500 and `check` accepts the body. */
export async function waitForHttp(url: string, timeoutMilliseconds: number, check: (body: string) => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMilliseconds;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status < 500 && check(body)) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${timeoutMilliseconds / 1000} s (${last})`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls an HTTPS `url` (a local API server's /readyz) with a bearer token, trusting `caFile`, until it answers 200. */
export async function waitForHttps(url: string, token: string, caFile: string, timeoutMilliseconds: number): Promise<void> {
  const { request } = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const ca = readFileSync(caFile);
  const deadline = Date.now() + timeoutMilliseconds;
  let last = '';
  while (Date.now() < deadline) {
    last = await new Promise<string>((resolve) => {
      const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? 'ok' : `HTTP ${res.statusCode}`);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error) => resolve(error.message));
      req.end();
    });
    if (last === 'ok') return;
    await sleep(250);
  }
  throw new Error(`${url} did not become ready within ${timeoutMilliseconds / 1000} s (${last})`);
}
