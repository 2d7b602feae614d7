/**
 * Fleet commands of the `altus` CLI, registered on the main program:
 * `render-jobs` (the Jobs dispatch would create, without a cluster),
 * `cancel` (mark a run CANCELLED, publish its end, delete its Jobs everywhere)
 * and the `fleet` group (`fleet bootstrap` for GKE, `fleet clusters|lose|restore`
 * for the local stack); all but `render-jobs` in modules of their own.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';
import { digest, isValidRunId, runIdForUpload } from '../../shared/ids.ts';
import { PermanentError } from '../../shared/errors.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { parseObjectUri } from '../../shared/storage/object-store.ts';
import { renderJobs } from '../../jobs/fleet/render.ts';
import { decodeManifestBytes } from '../../jobs/planning/decode.ts';
import { resolveSource } from '../../jobs/parameters/registry.ts';
import { planRun } from '../../jobs/planning/plan.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { registerCancelCommand } from './cancel-command.ts';
import { registerBootstrapCommand } from './fleet-bootstrap-command.ts';
import { registerLocalFleetCommands } from './fleet-local-commands.ts';

/** Bucket name standing for the manifest's own folder when a parameter file is counted locally. */
const MANIFEST_FOLDER_BUCKET = 'manifest-folder';

/** The manifest's folder as an object store: `gs://manifest-folder/<name>` is `<folder>/<name>`. */
class ManifestFolderStore extends LocalObjectStore {
  override pathOf(uri: string): string {
    return join(this.root, ...parseObjectUri(uri).name.split('/'));
  }
}

/** Shard count of a manifest, counting a relative parameter file next to it as ingest would. */
async function shardCountOf(path: string, validated: ReturnType<typeof validateManifest>, runId: string): Promise<number> {
  const source = resolveSource(validated.manifest.parameters);
  if (validated.parameterCount === null && source.localFile() === undefined) {
    throw new UsageError(
      `the ${source.kind} source names an object in a bucket: its shard count is only known when ingest indexes it; use a local relative path to render`,
    );
  }
  const plan = await planRun({
    runId,
    validated,
    store: new ManifestFolderStore(dirname(resolve(path))),
    manifestsBucket: MANIFEST_FOLDER_BUCKET,
    resultsBucket: 'unused',
    manifestObject: basename(path),
  });
  return plan.shardCount;
}

/** Adds the fleet commands to `program`. */
export function registerFleetCommands(program: Command, context: { home: string }): void {
  program
    .command('render-jobs <manifest>')
    .description('print the Kubernetes Jobs dispatch would create for a manifest, as one JSON array, without calling any cluster')
    .option('--config <file>', 'fleet configuration', DEFAULT_FLEET_CONFIG)
    .option('--run-id <id>', "run id to render with (default: derived from the manifest like an upload's run id)")
    .action(async (manifest: string, options: { config: string; runId?: string }) => {
      const fleet = loadFleetConfig(options.config);
      let bytes: Buffer;
      try {
        bytes = readFileSync(manifest);
      } catch (cause) {
        throw new UsageError(`cannot read ${manifest}`, { cause });
      }
      const runId = options.runId ?? runIdForUpload(`${fleet.project}-altus-manifests`, basename(manifest), digest(bytes.toString('latin1')).slice(0, 16));
      if (!isValidRunId(runId)) throw new UsageError(`--run-id ${runId}: lowercase letters, digits and "-" (not first or last), at most 40 characters`);
      try {
        const validated = validateManifest(decodeManifestBytes(bytes), fleet);
        const shardCount = await shardCountOf(manifest, validated, runId);
        process.stdout.write(JSON.stringify(renderJobs({ fleet, manifest: validated.manifest, runId, shardCount }), null, 2) + '\n');
        if (!options.runId) process.stderr.write(`rendered with run id ${runId} (the real one comes from the upload or request id; set it with --run-id)\n`);
      } catch (error) {
        if (!(error instanceof PermanentError)) throw error;
        process.stderr.write(`invalid: ${error.code}: ${error.message}\n`);
        process.exitCode = EXIT.rejected;
      }
    });

  registerCancelCommand(program, context);

  const fleet = program.command('fleet').description('the worker fleet: bootstrap the GKE clusters; inspect and fault-inject the local one');
  registerBootstrapCommand(fleet);
  registerLocalFleetCommands(fleet, context);
}
