/**
 * The bootstrap function: applies what every worker cluster needs before
 * dispatch can create Jobs on it (`buildBootstrap` of jobs/fleet/bootstrap.ts,
 * exactly as `altus fleet bootstrap` would) through the clusters' private
 * endpoints, since it runs inside the VPC and the control planes take no
 * traffic from outside. POST only; answers with the per-object report.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { buildBootstrap, type ClusterBootstrap } from '../../jobs/fleet/bootstrap.ts';
import type { ClusterApplyReport } from '../../jobs/fleet/bootstrap-apply.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import type { Logger } from '../../shared/log.ts';

/** What the handler needs. */
export interface BootstrapDependencies {
  readonly fleetConfig: FleetConfig;
  /** Applies the plan to the clusters (jobs/fleet/bootstrap-apply.ts through the private endpoints). */
  readonly apply: (plan: ClusterBootstrap[]) => Promise<ClusterApplyReport[]>;
  readonly log: Logger;
}

/** The answer: every cluster's outcomes, and its error if it refused an object. */
export interface BootstrapResponse {
  readonly clusters: ReadonlyArray<{ cluster: string; outcomes: ClusterApplyReport['outcomes']; error?: string }>;
}

/** The HTTP handler. */
export function createBootstrapHandler(deps: BootstrapDependencies): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      res.status(405).json({ error: 'POST to bootstrap the worker clusters' });
      return;
    }
    const reports = await deps.apply(buildBootstrap(deps.fleetConfig));
    const body: BootstrapResponse = {
      clusters: reports.map((r) => ({ cluster: r.cluster, outcomes: r.outcomes, ...(r.error ? { error: r.error.message } : {}) })),
    };
    const failed = reports.filter((r) => r.error);
    for (const r of failed) deps.log.error('bootstrap refused', { cluster: r.cluster, error: r.error!.message });
    if (!failed.length) deps.log.info('bootstrap applied', { clusters: reports.map((r) => r.cluster) });
    // 502: a cluster (upstream of this function) refused; the report says which object.
    res.status(failed.length ? 502 : 200).json(body);
  };
}
