/** The CLI's own settings from the environment (the CLI's config module). */
import { resolve } from 'node:path';

/** Where the local stack keeps its state, buckets, logs and Firestore exports. */
export function stackHome(env: Record<string, string | undefined>, cwd: string): string {
  return resolve(env.ALTUS_HOME ?? resolve(cwd, '.altus'));
}
