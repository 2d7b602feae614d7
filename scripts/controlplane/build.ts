/**
 * `npm run controlplane`: builds the real Kubernetes control plane (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler at the release that
 * go.mod pins) into the cache outside the repository, and does nothing when it
 * is there already. A cold build downloads the modules and compiles for many
 * minutes on two cores; it says so, and prints what the Go tool is doing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
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
  const version = kubernetesVersion();
  const started = Date.now();
  progress(`building the local Kubernetes control plane ${version} (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) from its Go modules into ${dirname(binary)}`);
  progress('a first build downloads the modules and compiles for 10-25 minutes on two cores; later starts reuse it');
  mkdirSync(dirname(binary), { recursive: true });
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
      child.once('error', (error) => reject(new Error(`could not run go (Go ${'>='} 1.26 is needed to build the control plane): ${error.message}`, { cause: error })));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go build of the control plane failed (exit ${code}):\n${output.slice(-4000)}`))));
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
