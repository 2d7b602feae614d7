/**
 * The fleet configuration (`altus.config.json`): the one source of truth for the
 * project, the hub, the worker clusters and the worker identity. Read by `infra/`
 * (what to build) and by the functions (where to dispatch).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const dns1123Label = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'lowercase letters, digits and "-", starting with a letter');

const region = z.string().regex(/^[a-z]+-[a-z]+[0-9]+$/, 'a GCP region such as us-central1');
const zone = z.string().regex(/^[a-z]+-[a-z]+[0-9]+-[a-z0-9]+$/, 'a GCP zone such as us-central1-a');

/** Prices in USD; per vCPU-hour for CPU pools, per GPU-hour for GPU pools. */
const pricing = z
  .object({
    spotPerVcpuHour: z.number().nonnegative(),
    onDemandPerVcpuHour: z.number().nonnegative(),
  })
  .strict();

/** GKE accelerator types a GPU pool can have (the `cloud.google.com/gke-accelerator` node label values). */
export const ACCELERATOR_TYPES = ['nvidia-h100-80gb', 'nvidia-a100-80gb', 'nvidia-tesla-a100', 'nvidia-l4', 'nvidia-tesla-t4'] as const;
/** One of {@link ACCELERATOR_TYPES}. */
export type AcceleratorType = (typeof ACCELERATOR_TYPES)[number];

/** A GPU node pool on a worker cluster. */
export const gpuPoolSchema = z
  .object({
    name: dns1123Label,
    acceleratorType: z.enum(ACCELERATOR_TYPES),
    acceleratorCount: z.number().int().min(1).max(16),
    machineType: z.string().min(1),
    maxNodes: z.number().int().min(1),
    spot: z.boolean().default(true),
    /**
     * Zones of the cluster's region the pool's nodes go in (its node locations). Unset:
     * every zone of the cluster, and GKE refuses the pool when one of them lacks the
     * accelerator; name the zones that have it (`gcloud compute accelerator-types list`).
     */
    zones: z.array(zone).min(1).optional(),
    pricing: z.object({ spotPerGpuHour: z.number().nonnegative(), onDemandPerGpuHour: z.number().nonnegative() }).strict(),
  })
  .strict();

/** A disposable GKE Standard worker cluster. */
export const workerClusterSchema = z
  .object({
    name: dns1123Label,
    region,
    /** Share of a run's shards relative to the other clusters' weights. */
    weight: z.number().positive().default(1),
    /** Spot VMs for the CPU pool; false means on-demand. */
    spot: z.boolean().default(true),
    /** Upper bound on a Job's parallelism on this cluster (pods at once). */
    maxParallelism: z.number().int().min(1).max(100_000),
    machineType: z.string().min(1),
    /** vCPUs of one node of machineType, for capacity and cost. */
    vcpusPerNode: z.number().int().min(1),
    maxNodes: z.number().int().min(1),
    /** A cluster marked unavailable receives no new shards. */
    available: z.boolean().default(true),
    pricing,
    gpuPools: z.array(gpuPoolSchema).default([]),
  })
  .strict();

const ipv4Cidr = z
  .string()
  .regex(/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/, 'an IPv4 CIDR block such as 203.0.113.0/24');

const iamMember = z.string().superRefine((member, ctx) => {
  if (member === 'allUsers' || member === 'allAuthenticatedUsers') {
    ctx.addIssue({ code: 'custom', message: `${member} would make the dashboard public; name users, groups or service accounts` });
  } else if (!/^(user|group|serviceAccount|domain):[^\s:]+$/.test(member)) {
    ctx.addIssue({ code: 'custom', message: `"${member}" is not an IAM member such as group:risk-desk@example.com` });
  }
});

/**
 * Deployment settings only `infra/` reads: how the stack is built around the fleet.
 * Every field is optional; the defaults are what an unconfigured stack gets.
 */
export const infraSettingsSchema = z
  .object({
    /** GKE release channel of the hub and every worker cluster. */
    releaseChannel: z.enum(['RAPID', 'REGULAR', 'STABLE']).default('REGULAR'),
    /**
     * Networks (an operator's VPN, a bastion) admitted to the clusters' private IP
     * endpoints besides the functions' egress range. Operators outside the VPC do not
     * need one: they use the IAM-authenticated DNS endpoint.
     */
    operatorNetworks: z
      .array(z.object({ cidr: ipv4Cidr, name: z.string().min(1).max(80) }).strict())
      .max(40)
      .default([]),
    /** Members allowed to open the dashboard (`user:…`, `group:…`, `serviceAccount:…`, `domain:…`); never the public. */
    dashboardInvokers: z.array(iamMember).default([]),
    /** Existing Cloud Monitoring notification channels the alerts notify. */
    alertNotificationChannels: z
      .array(z.string().regex(/^projects\/[^/]+\/notificationChannels\/[0-9]+$/, 'a notification channel name: projects/<project>/notificationChannels/<id>'))
      .default([]),
    /** Days shard outputs and results are kept (they move to Nearline after 30, Nearline's minimum storage is 30 days). */
    resultsRetentionDays: z.number().int().min(31).default(90),
    /** Cron schedule (Cloud Scheduler, UTC) of the reconcile tick. */
    reconcileSchedule: z
      .string()
      .regex(/^\S+( \S+){4}$/, 'a five-field cron schedule such as */5 * * * *')
      .default('*/5 * * * *'),
    /** Deletion protection on every cluster; turn it off only for a throwaway project. */
    deletionProtection: z.boolean().default(true),
    /**
     * Let operators reach the worker clusters' IAM-gated DNS endpoints from outside
     * the VPC (`kubectl` from a laptop). Off: no external traffic reaches any control
     * plane; the hub never takes any.
     */
    operatorDnsAccess: z.boolean().default(false),
    /**
     * Let worker pods send traffic anywhere (kernels that call outside services). Off:
     * a default-deny egress NetworkPolicy admits only kube-dns, the GKE metadata server
     * and Google APIs through Private Google Access.
     */
    openWorkerEgress: z.boolean().default(false),
    /**
     * A DNS name the team controls: the dashboard is then served behind an HTTPS load
     * balancer with Identity-Aware Proxy at that name, and reachable no other way.
     */
    dashboardDomain: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a DNS name such as altus.risk.example.com')
      .optional(),
    /**
     * Customer-managed encryption keys (off when absent). A Cloud KMS key must be in
     * the location of what it encrypts, so this names an existing key ring per
     * location (`global` for the Pub/Sub topics); the stack creates its keys there.
     * Which locations are needed, and that each ring is where it is listed, is
     * checked at synth (`infra/kms-plan.ts`).
     */
    kms: z
      .object({
        keyRings: z.record(
          z.string().regex(/^[a-z][-a-z0-9]*$/, 'a Cloud KMS location such as us-central1, us or global'),
          z.string().regex(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+$/, 'a key ring name: projects/<project>/locations/<location>/keyRings/<name>'),
        ),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The fleet configuration's `infra` block after defaults are applied. */
export type InfraSettings = z.infer<typeof infraSettingsSchema>;

/** The whole fleet configuration. */
export const fleetConfigSchema = z
  .object({
    $schema: z.string().optional(),
    project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, 'a GCP project id'),
    /** Environment name, used in resource names (dev, prod, ...). */
    environment: dns1123Label.default('dev'),
    hub: z.object({ name: dns1123Label, region }).strict(),
    clusters: z.array(workerClusterSchema).min(1),
    /** Kubernetes namespace the Jobs run in on every worker cluster. */
    namespace: dns1123Label.default('altus'),
    /** The worker image, by digest once `npm run image` has pushed it. */
    workerImage: z.string().min(1),
    /** Registries custom kernel images may come from (prefixes). */
    allowedImageRegistries: z.array(z.string().min(1)).default([]),
    workerServiceAccount: z
      .object({
        /** Kubernetes service account the pods run as. */
        kubernetes: dns1123Label,
        /** Google service account it maps to through Workload Identity (account id, not email). */
        google: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/),
      })
      .strict(),
    /** Resources of one worker pod for built-in kernels. */
    workerResources: z
      .object({ cpu: z.string().default('1'), memory: z.string().default('1Gi') })
      .strict()
      .default({ cpu: '1', memory: '1Gi' }),
    priorityClass: dns1123Label.default('altus-batch'),
    /** How `infra/` deploys the fleet (release channel, who may reach what, alerts); ignored by the functions. */
    infra: infraSettingsSchema.default(() => infraSettingsSchema.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    for (const [i, cluster] of config.clusters.entries()) {
      if (seen.has(cluster.name)) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster name "${cluster.name}"` });
      }
      seen.add(cluster.name);
      // A Spot price above on-demand would make a run's savings negative: almost surely two prices swapped.
      if (cluster.pricing.spotPerVcpuHour > cluster.pricing.onDemandPerVcpuHour) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'pricing'], message: 'spotPerVcpuHour is above onDemandPerVcpuHour' });
      }
      for (const [j, gpu] of cluster.gpuPools.entries()) {
        if (gpu.pricing.spotPerGpuHour > gpu.pricing.onDemandPerGpuHour) {
          ctx.addIssue({ code: 'custom', path: ['clusters', i, 'gpuPools', j, 'pricing'], message: 'spotPerGpuHour is above onDemandPerGpuHour' });
        }
        for (const [k, name] of (gpu.zones ?? []).entries()) {
          if (!name.startsWith(`${cluster.region}-`)) {
            ctx.addIssue({
              code: 'custom',
              path: ['clusters', i, 'gpuPools', j, 'zones', k],
              message: `zone ${name} is not in the cluster's region ${cluster.region}`,
            });
          }
          if (gpu.zones!.indexOf(name) !== k) {
            ctx.addIssue({ code: 'custom', path: ['clusters', i, 'gpuPools', j, 'zones', k], message: `zone ${name} is listed twice` });
          }
        }
      }
    }
    const podVcpus = cpuVcpusOrNaN(config.workerResources.cpu);
    if (!(podVcpus > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['workerResources', 'cpu'],
        message: `"${config.workerResources.cpu}" is not a CPU quantity above 0 such as "1" or "500m"`,
      });
    } else {
      for (const [i, cluster] of config.clusters.entries()) {
        if (podVcpus > cluster.vcpusPerNode) {
          ctx.addIssue({
            code: 'custom',
            path: ['clusters', i, 'vcpusPerNode'],
            message: `a node of ${cluster.vcpusPerNode} vCPUs cannot hold one worker pod of ${config.workerResources.cpu} CPU (workerResources.cpu)`,
          });
        }
      }
    }
    if (seen.has(config.hub.name)) {
      ctx.addIssue({ code: 'custom', path: ['hub', 'name'], message: 'the hub cannot share a name with a worker cluster' });
    }
  });

/** vCPUs of a Kubernetes CPU quantity (`"1"`, `"500m"`, `"2.5"`); throws on anything else. */
export function cpuQuantityVcpus(quantity: string): number {
  const vcpus = cpuVcpusOrNaN(quantity);
  if (Number.isNaN(vcpus)) throw new Error(`"${quantity}" is not a CPU quantity such as "1" or "500m"`);
  return vcpus;
}

function cpuVcpusOrNaN(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!match) return NaN;
  return Number(match[1]) / (match[2] ? 1000 : 1);
}

/** The fleet configuration after defaults are applied. */
export type FleetConfig = z.infer<typeof fleetConfigSchema>;
/** One worker cluster of the fleet. */
export type WorkerCluster = FleetConfig['clusters'][number];
/** One GPU pool of a worker cluster. */
export type GpuPool = z.infer<typeof gpuPoolSchema>;

/** The fleet configuration is missing or invalid. */
export class FleetConfigError extends Error {
  override readonly name = 'FleetConfigError';
}

/** Validates a parsed fleet configuration; throws {@link FleetConfigError} listing every problem. */
export function parseFleetConfig(value: unknown, source = 'fleet configuration'): FleetConfig {
  const result = fleetConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new FleetConfigError(`${source} is invalid:\n${problems.join('\n')}`);
  }
  return result.data;
}

/** Reads and validates a fleet configuration file. */
export function loadFleetConfig(path: string): FleetConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new FleetConfigError(`cannot read the fleet configuration ${path}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new FleetConfigError(`${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseFleetConfig(value, path);
}
