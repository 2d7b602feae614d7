/**
 * The bootstrap function: applies what every worker cluster needs before
 * dispatch can create Jobs on it (`buildBootstrap` of jobs/fleet/bootstrap.ts,
 * exactly as `altus fleet bootstrap` would) through the clusters' private
 * endpoints, since it runs inside the VPC and the control planes take no
 * traffic from outside, then puts the worker egress policy on each cluster that
 * took the bootstrap (egress-policy.ts). POST only; answers with the per-object
 * report.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { buildBootstrap, type ClusterBootstrap } from '../../jobs/fleet/bootstrap.ts';
import type { ClusterApplyReport, ObjectOutcome } from '../../jobs/fleet/bootstrap-apply.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import type { Logger } from '../../shared/log.ts';

/** What the handler needs. */
export interface BootstrapDependencies {
  readonly fleetConfig: FleetConfig;
  /** Applies the plan to the clusters (jobs/fleet/bootstrap-apply.ts through the private endpoints). */
  readonly apply: (plan: ClusterBootstrap[]) => Promise<ClusterApplyReport[]>;
  /** Puts the worker egress policy on one cluster, or removes it when egress is open (apply-egress.ts). */
  readonly applyEgress: (cluster: string) => Promise<ObjectOutcome>;
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
    const clusters = await Promise.all(
      reports.map(async (r) => {
        if (r.error) return { cluster: r.cluster, outcomes: r.outcomes, error: r.error.message };
        try {
          return { cluster: r.cluster, outcomes: [...r.outcomes, await deps.applyEgress(r.cluster)] };
        } catch (error) {
          return { cluster: r.cluster, outcomes: r.outcomes, error: (error as Error).message };
        }
      }),
    );
    const body: BootstrapResponse = { clusters };
    const failed = clusters.filter((c) => c.error !== undefined);
    for (const c of failed) deps.log.error('bootstrap refused', { cluster: c.cluster, error: c.error });
    if (!failed.length) deps.log.info('bootstrap applied', { clusters: clusters.map((c) => c.cluster) });
    // 502: a cluster (upstream of this function) refused; the report says which object.
    res.status(failed.length ? 502 : 200).json(body);
  };
}
