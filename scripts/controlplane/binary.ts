/**
 * Where the local control plane's binary lives: a cache outside the repository,
 * keyed by the Kubernetes release and a hash of the module that builds it, so a
 * change of pin builds anew and an unchanged pin never builds twice.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Go module (go.mod, go.sum, main.go) that builds the binary. */
export const CONTROL_PLANE_MODULE = fileURLToPath(new URL('.', import.meta.url));

/** The files whose content decides the binary. */
const MODULE_FILES = ['go.mod', 'go.sum', 'main.go'] as const;

/** The Kubernetes release the module pins (its `k8s.io/kubernetes` requirement). */
export function kubernetesVersion(moduleDir: string = CONTROL_PLANE_MODULE): string {
  const goMod = readFileSync(join(moduleDir, 'go.mod'), 'utf8');
  const pinned = /^\s*k8s\.io\/kubernetes\s+(v\d+\.\d+\.\d+)\s*$/m.exec(goMod)?.[1];
  if (!pinned) throw new Error(`${join(moduleDir, 'go.mod')} pins no k8s.io/kubernetes release`);
  return pinned;
}

/** The cache root: ALTUS_CACHE_DIR, else XDG_CACHE_HOME/altus, else ~/.cache/altus. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.ALTUS_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'altus');
}

/** The binary's path for the module as it is now (whether or not it has been built). */
export function controlPlaneBinary(moduleDir: string = CONTROL_PLANE_MODULE, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  for (const file of MODULE_FILES) hash.update(file).update(readFileSync(join(moduleDir, file)));
  const key = `${kubernetesVersion(moduleDir)}-${hash.digest('hex').slice(0, 12)}`;
  return join(cacheRoot(env), 'controlplane', key, 'altus-controlplane');
}

/** True when the binary for the module as it is now has been built. */
export function controlPlaneBuilt(moduleDir: string = CONTROL_PLANE_MODULE, env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(controlPlaneBinary(moduleDir, env));
}
