/**
 * `altus doctor --cloud [--config <file>]`: what is missing or wrong in the
 * project before (or after) a deploy: APIs, quotas, accelerator zones, the
 * clusters' state, the worker image digest. Reads the Google APIs with Application Default
 * Credentials; every check is a pure function of their responses (cloud-checks.ts).
 */
import type { Command } from 'commander';
import { GoogleAuth } from 'google-auth-library';
import type { z } from 'zod';
import { DEFAULT_FLEET_CONFIG } from '../../../shared/config.ts';
import { loadFleetConfig, type FleetConfig } from '../../../shared/fleet-config.ts';
import { REQUIRED_APIS } from '../../../infra/constructs/apis.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import {
  acceleratorListSchema,
  checkAcceleratorZones,
  checkApis,
  checkClusters,
  checkImageDigest,
  clusterListSchema,
  checkQuotas,
  quotaHolderSchema,
  serviceListSchema,
  type Finding,
} from './cloud-checks.ts';

/** Reads one Google API resource as JSON. */
export type ApiReader = (url: string) => Promise<unknown>;

/** Every finding for `fleet`, reading the APIs through `read`; an unreadable API is a failed check, not a crash. */
export async function doctorFindings(fleet: FleetConfig, read: ApiReader): Promise<Finding[]> {
  const compute = `https://compute.googleapis.com/compute/v1/projects/${fleet.project}`;
  const attempt = async <T>(check: Finding['check'], what: string, run: () => Promise<T>): Promise<T | Finding> => {
    try {
      return await run();
    } catch (error) {
      return { level: 'fail', check, message: `cannot read ${what}: ${(error as Error).message}` };
    }
  };
  const isFinding = (v: unknown): v is Finding => typeof v === 'object' && v !== null && 'level' in v && 'check' in v;

  const services = await attempt('apis', 'the enabled services', async () => {
    const all: z.infer<typeof serviceListSchema>['services'] = [];
    let page: string | undefined;
    do {
      const parsed = serviceListSchema.parse(
        await read(
          `https://serviceusage.googleapis.com/v1/projects/${fleet.project}/services?filter=state:ENABLED&pageSize=200${page ? `&pageToken=${page}` : ''}`,
        ),
      );
      all.push(...parsed.services);
      page = parsed.nextPageToken;
    } while (page);
    return { services: all };
  });
  const quotas = await attempt('quota', 'the Compute Engine quotas', async () => {
    const project = quotaHolderSchema.parse(await read(compute));
    const regions = Object.fromEntries(
      await Promise.all(
        [...new Set(fleet.clusters.map((c) => c.region))].map(async (r) => [r, quotaHolderSchema.parse(await read(`${compute}/regions/${r}`))] as const),
      ),
    );
    return { project, regions };
  });
  const accelerators = fleet.clusters.some((c) => c.gpuPools.length)
    ? await attempt('accelerator-zones', 'the accelerator types', async () => acceleratorListSchema.parse(await read(`${compute}/aggregated/acceleratorTypes`)))
    : undefined;

  const clusters = await attempt('clusters', 'the clusters', async () =>
    clusterListSchema.parse(await read(`https://container.googleapis.com/v1/projects/${fleet.project}/locations/-/clusters`)),
  );

  return [
    ...(isFinding(services) ? [services] : checkApis(services, REQUIRED_APIS)),
    ...(isFinding(clusters) ? [clusters] : checkClusters(fleet, clusters)),
    ...(isFinding(quotas) ? [quotas] : checkQuotas(fleet, quotas.project, quotas.regions)),
    ...(accelerators === undefined ? [] : isFinding(accelerators) ? [accelerators] : checkAcceleratorZones(fleet, accelerators)),
    ...checkImageDigest(fleet),
  ];
}

/** Adds `doctor --cloud`. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check the Google Cloud project for what a deploy or a run needs: APIs, quotas, accelerator zones, the pinned image')
    .requiredOption('--cloud', 'check the project of the fleet configuration (the only target so far)')
    .option('--config <file>', 'fleet configuration', DEFAULT_FLEET_CONFIG)
    .action(async (options: { config: string }) => {
      const fleet = loadFleetConfig(options.config);
      const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
      try {
        await auth.getAccessToken();
      } catch (cause) {
        throw new UsageError(`no usable Application Default Credentials (gcloud auth application-default login): ${(cause as Error).message}`, { cause });
      }
      const findings = await doctorFindings(fleet, async (url) => (await auth.request({ url })).data);
      for (const f of findings) process.stdout.write(`${f.level.padEnd(4)}  ${f.check}: ${f.message}\n`);
      if (findings.some((f) => f.level === 'fail')) process.exitCode = EXIT.usage;
    });
}
