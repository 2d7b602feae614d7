/**
 * `altus fleet bootstrap [--dry-run] [--config <file>] [--json]`: what every
 * worker cluster needs before dispatch can create Jobs on it
 * (jobs/fleet/bootstrap.ts), printed or applied idempotently to the GKE fleet.
 */
import type { Command } from 'commander';
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { BootstrapConfigError, buildBootstrap, type ClusterBootstrap } from '../../jobs/fleet/bootstrap.ts';
import { applyBootstrap, type ClusterApplyReport } from '../../jobs/fleet/bootstrap-apply.ts';
import { adcTokenSource, containerApiLookup, gkeClusterAccess } from '../../jobs/fleet/gke-access.ts';
import { EXIT, UsageError } from './exit-codes.ts';

/** The report as lines: one per object (`worker-a: Role altus/altus-job-operator created`), then the cluster's error if any. */
export function renderApplyReport(reports: readonly ClusterApplyReport[]): { lines: string[]; errors: string[] } {
  const lines = reports.flatMap((r) => r.outcomes.map((o) => `${r.cluster}: ${o.object} ${o.action}${o.detail ? ` (${o.detail})` : ''}`));
  const errors = reports.flatMap((r) => (r.error ? [`${r.cluster}: ${r.error.message}`] : []));
  return { lines, errors };
}

/** Adds `bootstrap` to the `fleet` command group. */
export function registerBootstrapCommand(fleet: Command): void {
  fleet
    .command('bootstrap')
    .description('create the namespace, quota, worker service account, priority class and namespaced RBAC on every worker cluster (idempotent)')
    .option('--dry-run', 'print every object as one JSON array, grouped per cluster, without calling any cluster')
    .option('--config <file>', 'fleet configuration', DEFAULT_FLEET_CONFIG)
    .option('--json', 'print the per-object report as one JSON array')
    .action(async (options: { dryRun?: boolean; config: string; json?: boolean }) => {
      const config = loadFleetConfig(options.config);
      let plan: ClusterBootstrap[];
      try {
        plan = buildBootstrap(config);
      } catch (error) {
        if (error instanceof BootstrapConfigError) throw new UsageError(`${options.config}: ${error.message}`, { cause: error });
        throw error;
      }
      if (options.dryRun) {
        process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
        return;
      }
      const token = adcTokenSource();
      try {
        // Checked before any Container API call: without credentials its client rejects a promise nobody awaits and the process dies.
        await token();
      } catch (cause) {
        throw new UsageError(`no usable Application Default Credentials (gcloud auth application-default login): ${(cause as Error).message}`, { cause });
      }
      const reports = await applyBootstrap(plan, gkeClusterAccess(config, containerApiLookup(), token));
      const { lines, errors } = renderApplyReport(reports);
      if (options.json) {
        const json = reports.map((r) => ({ cluster: r.cluster, outcomes: r.outcomes, ...(r.error ? { error: r.error.message } : {}) }));
        process.stdout.write(JSON.stringify(json, null, 2) + '\n');
      } else {
        process.stdout.write(lines.map((l) => l + '\n').join(''));
      }
      for (const error of errors) process.stderr.write(`altus: ${error}\n`);
      if (errors.length) process.exitCode = EXIT.usage;
    });
}
