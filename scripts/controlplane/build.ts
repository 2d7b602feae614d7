/**
 * `npm run controlplane`: builds the real Kubernetes control plane (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler at the release that
 * go.mod pins) into the cache outside the repository, and does nothing when it
 * is there already. A cold build downloads the modules and compiles for many
 * minutes on two cores; it says so, and prints what the Go tool is doing.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CONTROL_PLANE_MODULE, controlPlaneBinary, controlPlaneBuilt, kubernetesVersion } from './binary.ts';

/** What the build tells the person waiting for it. */
export type BuildProgress = (line: string) => void;

/** Version stamps the API server reports (`kubectl version`, the server-version check of dispatch). */
function versionFlags(version: string): string {
  const [major, minor] = version.slice(1).split('.') as [string, string];
  const stamps = [`gitVersion=${version}`, `gitMajor=${major}`, `gitMinor=${minor}`, 'gitTreeState=clean'];
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => stamps.map((s) => `-X ${pkg}.${s}`)).join(' ');
}

/**
 * Builds the binary unless it is cached; resolves to its path. The Go toolchain
 * comes from the machine (the module's `go` line is within its release).
 */
export async function ensureControlPlane(progress: BuildProgress = (line) => process.stderr.write(`${line}\n`)): Promise<string> {
  const binary = controlPlaneBinary();
  if (controlPlaneBuilt()) return binary;
  mkdirSync(dirname(binary), { recursive: true });
  // One build at a time per binary: two builds on two cores take twice as long each.
  const release = await takeBuildLock(`${binary}.lock`, progress);
  try {
    if (controlPlaneBuilt()) return binary;
    return await build(binary, progress);
  } finally {
    release();
  }
}

/** Milliseconds between looks at another process's build. */
const LOCK_POLL_MILLISECONDS = 2000;

/**
 * Takes the build lock (a file holding the builder's pid), waiting while a live
 * process holds it; a lock whose process is gone is stale and taken over.
 * Resolves to the release function.
 */
async function takeBuildLock(path: string, progress: BuildProgress): Promise<() => void> {
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileOr(path, ''));
    if (!Number.isInteger(holder) || holder <= 0 || !processAlive(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told) progress(`another process (pid ${holder}) is building the control plane; waiting for it`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MILLISECONDS));
  }
}

function readFileOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `go build` into a partial file and moves it into place. */
async function build(binary: string, progress: BuildProgress): Promise<string> {
  const version = kubernetesVersion();
  const started = Date.now();
  progress(
    `building the local Kubernetes control plane ${version} (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) from its Go modules into ${dirname(binary)}`,
  );
  progress('a first build downloads the modules and compiles for 10-25 minutes on two cores; later starts reuse it');
  const partial = `${binary}.partial-${process.pid}`;
  const args = ['build', '-trimpath', '-ldflags', `-s -w ${versionFlags(version)}`, '-o', partial, '.'];
  const ticker = setInterval(() => progress(`  still building the control plane (${Math.round((Date.now() - started) / 1000)} s)`), 60_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', args, { cwd: CONTROL_PLANE_MODULE, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOFLAGS: '-mod=readonly' } });
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        for (const line of chunk.toString().split('\n')) if (line.startsWith('go: downloading')) progress(`  ${line}`);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.once('error', (error) =>
        reject(new Error(`could not run go (Go ${'>='} 1.26 is needed to build the control plane): ${error.message}`, { cause: error })),
      );
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go build of the control plane failed (exit ${code}):\n${output.slice(-4000)}`)),
      );
    });
    renameSync(partial, binary);
  } finally {
    clearInterval(ticker);
    rmSync(partial, { force: true });
  }
  progress(`control plane ${version} built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return binary;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const started = Date.now();
    const binary = await ensureControlPlane();
    process.stdout.write(`${binary} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
