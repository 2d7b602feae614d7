/**
 * The `altus` command line: the local stack (up, down, local), runs (submit,
 * status, validate) and, later, the fleet. Exit codes: 0 SUCCEEDED, 1 FAILED or
 * PARTIAL, 2 REJECTED, 3 usage or environment error, 4 CANCELLED.
 */
import { kernelLabel } from '../../shared/custom-kernel.ts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { createFirestore, createObjectStore } from '../../shared/clients.ts';
import { ConfigError, DEFAULT_FLEET_CONFIG, parseRuntimeConfig } from '../../shared/config.ts';
import { PermanentError } from '../../shared/errors.ts';
import { FleetConfigError, loadFleetConfig } from '../../shared/fleet-config.ts';
import { FirestoreRunStore } from '../../shared/run-store.ts';
import { decodeManifestBytes } from '../../jobs/planning/decode.ts';
import { eligibleClusters, placeShards, podRequest } from '../../jobs/planning/placement.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';
import type { StackInfo } from '../stack/state.ts';
import { stackHome } from './cli-config.ts';
import { EXIT, exitCodeFor, UsageError } from './exit-codes.ts';
import { followRun } from './follow.ts';
import { renderRun } from './render.ts';
import { down, requireStack, up } from './stack-control.ts';
import { createLogger } from '../../shared/log.ts';
import { retryRun, RetryRefusedError } from '../../functions/pipeline/retry.ts';
import { createDependencies } from '../../functions/pipeline/runtime.ts';
import { stackEnvironment } from '../stack/state.ts';
import { registerDoctorCommand } from './doctor/doctor-command.ts';
import { registerFleetCommands } from './fleet-commands.ts';
import { registerRunCommands } from './run-commands.ts';
import { rerunShard } from './rerun-shard.ts';
import { submitLocal, submitToCloud } from './submit.ts';

const home = stackHome(process.env, process.cwd());
const out = (text: string) => process.stdout.write(text + '\n');
const err = (text: string) => process.stderr.write(text + '\n');

function runStore(stack: StackInfo): FirestoreRunStore {
  return new FirestoreRunStore(createFirestore({ projectId: stack.projectId, firestoreEmulatorHost: stack.firestoreEmulatorHost }));
}

function upLine(info: StackInfo): Record<string, unknown> {
  return {
    projectId: info.projectId,
    pubsubEmulatorHost: info.pubsubEmulatorHost,
    firestoreEmulatorHost: info.firestoreEmulatorHost,
    topics: info.topics,
    buckets: info.buckets,
    storageDir: info.storageDir,
    functions: info.functions,
    localFleetUrl: info.localFleetUrl,
    kubeconfig: info.kubeconfig,
    dashboardUrl: info.dashboardUrl,
    logDir: info.logDir,
    home: info.home,
  };
}

async function submitAndFollow(manifest: string, options: { wait?: boolean; json?: boolean; timeout: string; cloud?: boolean }): Promise<number> {
  let runs: FirestoreRunStore;
  let submission: Awaited<ReturnType<typeof submitLocal>>;
  if (options.cloud) {
    // The deployment named by the environment (ALTUS_PROJECT_ID, ...), with Application Default Credentials.
    const config = parseRuntimeConfig({ ALTUS_STORAGE: 'gcs', ...process.env });
    submission = await submitToCloud(createObjectStore(config.storage), config.buckets.manifests, manifest);
    runs = new FirestoreRunStore(createFirestore({ projectId: config.projectId }));
  } else {
    const stack = requireStack(home);
    submission = await submitLocal(stack, manifest);
    runs = runStore(stack);
  }
  err(`submitted ${submission.object} as run ${submission.runId}${submission.uploadedFiles.length ? ` (with ${submission.uploadedFiles.join(', ')})` : ''}`);
  if (!options.wait) {
    if (options.json) out(JSON.stringify({ runId: submission.runId, object: submission.object }));
    return EXIT.succeeded;
  }
  const run = await followRun(runs, submission.runId, { timeoutSeconds: Number(options.timeout) });
  out(options.json ? JSON.stringify(run) : renderRun(run));
  return exitCodeFor(run.status);
}

const program = new Command('altus')
  .description('Altus: embarrassingly parallel risk calculations on a GKE fleet, or on this machine')
  .exitOverride()
  .showHelpAfterError();

program
  .command('up')
  .description('start the local stack (emulators, functions, local fleet) and detach')
  .option('--json', 'print the stack description as one JSON object')
  .option('--fleet-config <file>', 'fleet configuration', DEFAULT_FLEET_CONFIG)
  .action(async (options: { json?: boolean; fleetConfig: string }) => {
    loadFleetConfig(options.fleetConfig);
    const { info, started } = await up(home, { fleetConfig: resolve(options.fleetConfig) });
    out(
      options.json
        ? JSON.stringify(upLine(info))
        : `altus stack ${started ? 'ready' : 'already running'}: dashboard ${info.dashboardUrl} · Pub/Sub ${info.pubsubEmulatorHost} · Firestore ${info.firestoreEmulatorHost} · buckets in ${info.storageDir} · logs in ${info.logDir}`,
    );
  });

program
  .command('down')
  .description('stop the local stack (run history is kept for the next `altus up`)')
  .action(async () => {
    out((await down(home)) ? 'altus stack stopped' : 'no altus stack was running');
  });

program
  .command('submit <manifest>')
  .description('upload a manifest (and the parameter file it names) to the manifests bucket')
  .option('--wait', 'follow the run until it ends, with progress on stderr')
  .option('--json', 'print the final run document as one JSON object')
  .option('--timeout <seconds>', 'give up waiting after this long', '3600')
  .option('--cloud', 'upload to the deployment in ALTUS_PROJECT_ID (GCS and Firestore, Application Default Credentials) instead of the local stack')
  .action(async (manifest: string, options) => {
    process.exitCode = await submitAndFollow(manifest, options);
  });

program
  .command('local <manifest>')
  .description('up, submit --wait, down: one run end to end on this machine')
  .option('--json', 'print the final run document as one JSON object')
  .option('--timeout <seconds>', 'give up waiting after this long', '3600')
  .action(async (manifest: string, options: { json?: boolean; timeout: string }) => {
    const { info, started } = await up(home, { onWait: (s) => s > 0 && Math.round(s * 4) % 20 === 0 && err(`starting the local stack… ${Math.round(s)} s`) });
    err(`dashboard: ${info.dashboardUrl}${started ? ' (until this run ends; `altus up` keeps a stack running)' : ''}`);
    try {
      process.exitCode = await submitAndFollow(manifest, { ...options, wait: true });
    } finally {
      if (started) await down(home);
    }
  });

program
  .command('status <runId>')
  .description('print a run document')
  .option('--json', 'as one JSON object')
  .action(async (runId: string, options: { json?: boolean }) => {
    const run = await runStore(requireStack(home)).getRun(runId);
    if (!run) throw new UsageError(`no run ${runId}`);
    out(options.json ? JSON.stringify(run) : renderRun(run));
  });

program
  .command('validate <manifest>')
  .description('check a manifest locally without uploading it')
  .option('--fleet-config <file>', 'fleet configuration', DEFAULT_FLEET_CONFIG)
  .action((manifest: string, options: { fleetConfig: string }) => {
    const fleet = loadFleetConfig(options.fleetConfig);
    let bytes: Buffer;
    try {
      bytes = readFileSync(manifest);
    } catch {
      throw new UsageError(`cannot read ${manifest}`);
    }
    try {
      const validated = validateManifest(decodeManifestBytes(bytes), fleet);
      const count = validated.parameterCount;
      const shards = count === null ? null : Math.ceil(count / validated.manifest.shardSize);
      const placement =
        shards === null
          ? []
          : placeShards(
              shards,
              eligibleClusters(fleet, validated.manifest.placement.clusters, validated.manifest.resources?.gpu),
              podRequest(fleet, validated.manifest.resources?.gpu),
            );
      out(
        `valid: kernel ${kernelLabel(validated.manifest.kernel)}, ` +
          (count === null
            ? `parameters from ${JSON.stringify(validated.manifest.parameters)} (counted at ingest)`
            : `${count} parameter sets in ${shards} shards`) +
          (placement.length ? ` on ${placement.map((p) => `${p.cluster.name} (${p.count})`).join(', ')}` : ''),
      );
    } catch (error) {
      if (!(error instanceof PermanentError)) throw error;
      err(`invalid: ${error.code}: ${error.message}`);
      process.exitCode = EXIT.rejected;
    }
  });

program
  .command('retry <runId>')
  .description("re-dispatch a PARTIAL or FAILED run's failed shards as a new attempt; the same run finishes again")
  .option('--wait', 'follow the run until it ends again')
  .option('--json', 'print the final run document as one JSON object (with --wait)')
  .option('--timeout <seconds>', 'give up waiting after this long', '3600')
  .option('--cloud', 'the deployment in ALTUS_PROJECT_ID instead of the local stack')
  .action(async (runId: string, options: { wait?: boolean; json?: boolean; timeout: string; cloud?: boolean }) => {
    const env = options.cloud ? process.env : { ...stackEnvironment(requireStack(home)), ALTUS_FLEET_CONFIG: process.env.ALTUS_FLEET_CONFIG };
    const deps = await createDependencies('cli', env);
    let outcome: Awaited<ReturnType<typeof retryRun>>;
    try {
      outcome = await retryRun({ ...deps, log: createLogger({ component: 'cli', sink: err, minimumSeverity: 'WARNING' }) }, runId);
    } catch (error) {
      if (error instanceof RetryRefusedError) throw new UsageError(error.message);
      throw error;
    }
    err(`run ${runId}: ${outcome.shards} failed shard(s) re-dispatched as attempt ${outcome.attempt}`);
    if (!options.wait) return;
    const run = await followRun(deps.runs, runId, { timeoutSeconds: Number(options.timeout) });
    out(options.json ? JSON.stringify(run) : renderRun(run));
    process.exitCode = exitCodeFor(run.status);
  });

program
  .command('rerun-shard <runId> <shard>')
  .description('recompute one shard here and report whether it is byte-identical to the recorded result (exit 1 if not)')
  .option('--json', 'print the report as one JSON object')
  .option('--cloud', 'the deployment in ALTUS_PROJECT_ID instead of the local stack')
  .action(async (runId: string, shardText: string, options: { json?: boolean; cloud?: boolean }) => {
    const env = options.cloud ? process.env : stackEnvironment(requireStack(home));
    const deps = await createDependencies('cli', env);
    const run = await deps.runs.getRun(runId);
    if (!run) throw new UsageError(`no run ${runId}`);
    const report = await rerunShard(deps.store, run, Number(shardText));
    out(
      options.json
        ? JSON.stringify(report)
        : `shard ${report.shard} of ${runId}: ${report.identical && report.partialIdentical ? 'byte-identical' : 'DIFFERENT'} ` +
            `(${report.recomputedBytes} bytes recomputed in ${report.seconds.toFixed(2)} s, ${report.recordedBytes} recorded` +
            `${report.firstDifferentLine ? `; first difference on line ${report.firstDifferentLine}` : ''}${report.partialIdentical ? '' : '; statistics partial differs'})`,
    );
    process.exitCode = report.identical && report.partialIdentical ? EXIT.succeeded : EXIT.failedOrPartial;
  });

registerFleetCommands(program, { home });
registerRunCommands(program, { home, env: process.env });
registerDoctorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT.usage;
  } else if (error instanceof UsageError || error instanceof FleetConfigError || error instanceof ConfigError) {
    err(`altus: ${error.message}`);
    process.exitCode = EXIT.usage;
  } else {
    err(`altus: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = EXIT.usage;
  }
}
