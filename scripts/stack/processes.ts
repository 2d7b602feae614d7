/**
 * Child processes of the local stack, each in its own process group so stopping
 * it stops everything it started (the gcloud emulator wrappers leave their Java
 * servers running when only the wrapper is killed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A started server process. */
export interface ManagedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
}

/** Starts `command` detached in a new process group, output appended to `logFile`. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string },
): ManagedProcess {
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

/** Ports this process has handed out: two picks in one stack start never collide. */
const handedOut = new Set<number>();
/** The lowest port a listener of the stack takes (below: well-known and registered services). */
const LOWEST_LISTENER_PORT = 10_000;

/**
 * The kernel's ephemeral range, from which it gives outgoing connections their
 * local ports (Linux's default when it cannot be read).
 */
export function ephemeralPortRange(read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): { low: number; high: number } {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! > 0 && high! >= low!) return { low: low!, high: high! };
  } catch {
    // Not Linux, or /proc is not mounted: use Linux's default range.
  }
  return { low: 32_768, high: 60_999 };
}

/**
 * A free TCP port on 127.0.0.1 for a server that a child process binds later.
 * Picked below the ephemeral range: a port from that range can be taken meanwhile
 * by any outgoing connection on the machine (the stack makes thousands), and the
 * child would then fail to listen. Falls back to a kernel-chosen port when the
 * range below is exhausted.
 */
export async function freePort(): Promise<number> {
  const { low } = ephemeralPortRange();
  const span = low - LOWEST_LISTENER_PORT;
  for (let attempt = 0; span > 0 && attempt < 64; attempt++) {
    const port = LOWEST_LISTENER_PORT + Math.floor(Math.random() * span);
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  for (;;) {
    const port = await listenOnce(0);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

async function canListen(port: number): Promise<boolean> {
  try {
    await listenOnce(port);
    return true;
  } catch {
    return false;
  }
}

/** Listens on 127.0.0.1:`port` (0: any) and closes again; resolves to the port. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
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
