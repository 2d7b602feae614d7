/**
 * Where a custom kernel's processes live, so that nothing it starts outlives its
 * shard. Preferred: a PID namespace of its own (`unshare --pid --fork --kill-child
 * --mount-proc`, util-linux), as a container runtime gives a pod. When the
 * namespace's first process exits, Linux kills every process left in it, a
 * child that called setsid included; `--kill-child` ends it when the unshare
 * process dies (the node agent SIGKILLs the worker's process group, which
 * holds it), and `setpriv --pdeathsig KILL` ends that process when the worker
 * alone dies. `--mount-proc` hides the worker's own /proc entry (and so its
 * environment) from the kernel.
 *
 * The namespace's first process is a two-line shell that runs the kernel as its
 * child: a PID 1 ignores signals it has no handler for, even SIGKILL from within
 * its namespace, and a kernel must keep the signal behaviour it has in a pod.
 *
 * Where unshare is refused (no CAP_SYS_ADMIN: an unprivileged container, where
 * the pod is already the namespace), the kernel runs in a process group of its
 * own instead (under `setpriv --pdeathsig KILL` where that works, so it dies with
 * the worker), ended as a group, and a warning says that a child calling setsid
 * can escape it.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** How kernels are contained in this process. */
export type KernelContainment =
  | { kind: 'pid-namespace' }
  /** `pdeathsig`: setpriv works, so the kernel itself at least dies with the worker. */
  | { kind: 'process-group'; reason: string; pdeathsig?: boolean };

/** A kernel command turned into what to spawn. */
export interface KernelLaunch {
  program: string;
  args: string[];
  /** A process group of its own (the fallback), ended with a group kill. */
  detached: boolean;
  containment: KernelContainment;
}

/** The init of the namespace: stdin goes to the kernel only (an `&` job gets /dev/null otherwise), then its status is the shell's. */
const INIT_SCRIPT = 'exec 3<&0 0</dev/null; "$@" <&3 3<&- & exec 3<&-; wait $!';
/** util-linux's tools by absolute path: the kernel's own PATH (what setpriv searches) need not list them. */
const SYSTEM_BIN = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];
const systemTool = (name: string) => SYSTEM_BIN.map((dir) => join(dir, name)).find((file) => isExecutable(file)) ?? name;
const namespacePrefix = () => [
  '--pdeathsig',
  'KILL',
  '--',
  systemTool('unshare'),
  '--pid',
  '--fork',
  '--kill-child',
  '--mount-proc',
  '--',
  '/bin/sh',
  '-c',
  INIT_SCRIPT,
  'altus-kernel-init',
];

let probed: KernelContainment | undefined;

/** Whether kernels get a PID namespace here: probed once per process (a few milliseconds). */
export function kernelContainment(): KernelContainment {
  probed ??= probeNamespace();
  return probed;
}

function probeNamespace(): KernelContainment {
  const result = spawnSync(systemTool('setpriv'), [...namespacePrefix(), 'true'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  if (result.status === 0) return { kind: 'pid-namespace' };
  const reason = result.error
    ? `setpriv/unshare cannot run: ${result.error.message}`
    : `unshare refused: ${result.stderr.toString('utf8').trim() || `exit ${result.status}`}`;
  const pdeathsig = spawnSync(systemTool('setpriv'), ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  return { kind: 'process-group', reason, pdeathsig };
}

/** The command could not be found or is not executable. */
export class ProgramNotFoundError extends Error {
  override readonly name = 'ProgramNotFoundError';
}

/**
 * Resolves the kernel's program as execvp would (a name on the kernel's PATH,
 * a path relative to its working directory), so a missing program is reported
 * before any wrapper starts rather than as a shell's exit 127.
 */
export function resolveProgram(program: string, path: string | undefined, cwd: string): string {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : (path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(resolve(cwd, dir), program));
  const found = candidates.find((candidate) => isExecutable(candidate));
  if (found) return found;
  throw new ProgramNotFoundError(
    program.includes('/')
      ? `ENOENT: ${JSON.stringify(candidates[0])} is not an executable file`
      : `ENOENT: no executable file of that name on the kernel's PATH`,
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** What to spawn for `command` (program resolved) under `containment`. */
export function kernelLaunch(program: string, args: readonly string[], containment = kernelContainment()): KernelLaunch {
  if (containment.kind === 'pid-namespace')
    return { program: systemTool('setpriv'), args: [...namespacePrefix(), program, ...args], detached: false, containment };
  if (containment.pdeathsig) return { program: systemTool('setpriv'), args: ['--pdeathsig', 'KILL', '--', program, ...args], detached: true, containment };
  return { program, args: [...args], detached: true, containment };
}

/**
 * Ends every process the kernel started. In a namespace, SIGKILL to the outer
 * process ends the namespace (`--kill-child`); in a process group, the group.
 * Harmless when everything is already gone.
 */
export function endKernelTree(child: ChildProcess, launch: KernelLaunch): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    if (launch.detached) process.kill(-pid, 'SIGKILL');
    else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  } catch {
    // ESRCH: nothing left to end.
  }
}

/**
 * The exit status of the kernel itself. The namespace's shell reports a kernel
 * killed by signal N as status 128 + N (a shell cannot tell it from `exit 128+N`,
 * which kernels do not use in practice).
 */
export function kernelStatus(code: number | null, signal: NodeJS.Signals | null, launch: KernelLaunch): { code: number | null; signal: NodeJS.Signals | null } {
  if (launch.containment.kind !== 'pid-namespace' || code === null || code <= 128) return { code, signal };
  const name = Object.entries(osConstants.signals).find(([, number]) => number === code - 128)?.[0];
  return name ? { code: null, signal: name as NodeJS.Signals } : { code, signal };
}
