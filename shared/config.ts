/**
 * Runtime configuration of the functions and tools: the one module that reads
 * environment variables, parsed by a pure function (`parseRuntimeConfig(env)`)
 * and validated at start with a typed error.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { MeterSettings } from './metering.ts';

/** Default fleet configuration: `altus.config.json` at the repository root. */
export const DEFAULT_FLEET_CONFIG = fileURLToPath(new URL('../altus.config.json', import.meta.url));

const schema = z.object({
  ALTUS_PROJECT_ID: z.string().min(1).optional(),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  FIRESTORE_EMULATOR_HOST: z.string().min(1).optional(),
  PUBSUB_EMULATOR_HOST: z.string().min(1).optional(),
  ALTUS_STORAGE: z.enum(['gcs', 'local']).default('gcs'),
  ALTUS_LOCAL_STORAGE_DIR: z.string().min(1).optional(),
  ALTUS_MANIFESTS_BUCKET: z.string().min(3).optional(),
  ALTUS_RESULTS_BUCKET: z.string().min(3).optional(),
  ALTUS_FLEET: z.enum(['kubernetes', 'local']).default('kubernetes'),
  ALTUS_LOCAL_KUBECONFIG: z.string().min(1).optional(),
  ALTUS_LOCAL_KUBE_USER: z.string().min(1).optional(),
  ALTUS_FLEET_CONFIG: z.string().min(1).optional(),
  ALTUS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).default('INFO'),
  ALTUS_CHAOS_DIR: z.string().optional(),
  ALTUS_HANDLER_TIMEOUT_SECONDS: z.coerce.number().int().positive().optional(),
  // At most MAX_RECONCILE_GRACE_SECONDS (jobs/fleet/job-builder.ts): the Jobs' TTL must outlive twice the grace.
  ALTUS_RECONCILE_GRACE_SECONDS: z.coerce.number().int().positive().max(1200).optional(),
  ALTUS_MANIFEST_URI_PREFIXES: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .refine((prefixes) => prefixes.every((p) => /^gs:\/\/[^/]+\/./.test(p)), 'ALTUS_MANIFEST_URI_PREFIXES: comma-separated gs://bucket/folder/ prefixes'),
  ALTUS_STALLED_JOB_SECONDS: z.coerce.number().int().positive().max(3600).optional(),
  ALTUS_METER_DIR: z.string().min(1).optional(),
  ALTUS_METER_ROLE: z.string().min(1).optional(),
});

/** What every function and tool needs to know about where things are. */
export interface RuntimeConfig {
  projectId: string;
  firestoreEmulatorHost?: string;
  pubsubEmulatorHost?: string;
  storage: { kind: 'gcs' } | { kind: 'local'; root: string };
  buckets: { manifests: string; results: string };
  /**
   * The worker clusters: GKE (endpoints from the Container API, ADC tokens), or the
   * local stack's control planes through its kubeconfig, as `user` (a function's own
   * identity; the operator when unset).
   */
  fleet: { kind: 'kubernetes' } | { kind: 'local'; kubeconfig: string; user?: string };
  fleetConfigPath: string;
  logLevel: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  /** Chaos suite only: the folder where crash points are armed (see shared/faults.ts). */
  chaosDir?: string;
  /**
   * How long a Pub/Sub-driven handler may take before it answers 500 (so the
   * message is redelivered). Cloud Functions enforces its own timeout; the local
   * stack sets this because the emulator's push has no read timeout, and a
   * request that never answers would stall its subscription for good.
   */
  handlerTimeoutMilliseconds?: number;
  /**
   * Reconcile's patience (default 60 s): how long after a Job ended its
   * completions may still be arriving; a Job not seen twice that long after its
   * dispatch is lost. The test and chaos stacks shorten it to keep runs short.
   */
  reconcileGraceMilliseconds?: number;
  /**
   * Where else than the manifests bucket a run request's `manifestUri` may point
   * (`gs://bucket/folder/` prefixes; none by default): the function can read
   * more than manifests, and a request must not make it read anything else.
   */
  manifestUriPrefixes: string[];
  /**
   * How long a Job may run no pod before reconcile reads its pods and events for
   * the cause (default 3 minutes, functions/reconcile/stalled-jobs.ts): an image
   * that cannot be pulled, no room to schedule, pods the API server refuses.
   */
  stalledJobMilliseconds?: number;
  /** Where this process writes its operation counts and peak memory (benchmarks, chaos suite); unset: not metered. */
  meter?: MeterSettings;
}

/** The environment is missing or has invalid settings. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The fleet configuration file an environment names: ALTUS_FLEET_CONFIG, else the repository's. */
export function fleetConfigPathOf(env: { readonly ALTUS_FLEET_CONFIG?: string | undefined }): string {
  return env.ALTUS_FLEET_CONFIG ?? DEFAULT_FLEET_CONFIG;
}

/** Parses the runtime configuration from an environment (pass `process.env`). */
export function parseRuntimeConfig(env: Record<string, string | undefined>): RuntimeConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const projectId = e.ALTUS_PROJECT_ID ?? e.GOOGLE_CLOUD_PROJECT;
  if (!projectId) throw new ConfigError('set ALTUS_PROJECT_ID (or GOOGLE_CLOUD_PROJECT) to the Google Cloud project id');
  if (e.ALTUS_STORAGE === 'local' && !e.ALTUS_LOCAL_STORAGE_DIR) throw new ConfigError('ALTUS_STORAGE=local needs ALTUS_LOCAL_STORAGE_DIR');
  if (e.ALTUS_FLEET === 'local' && !e.ALTUS_LOCAL_KUBECONFIG) throw new ConfigError('ALTUS_FLEET=local needs ALTUS_LOCAL_KUBECONFIG (the local stack sets it)');
  if (e.ALTUS_CHAOS_DIR && e.ALTUS_STORAGE !== 'local') throw new ConfigError('ALTUS_CHAOS_DIR is for the local stack only');
  return {
    projectId,
    ...(e.FIRESTORE_EMULATOR_HOST ? { firestoreEmulatorHost: e.FIRESTORE_EMULATOR_HOST } : {}),
    ...(e.PUBSUB_EMULATOR_HOST ? { pubsubEmulatorHost: e.PUBSUB_EMULATOR_HOST } : {}),
    storage: e.ALTUS_STORAGE === 'local' ? { kind: 'local', root: e.ALTUS_LOCAL_STORAGE_DIR! } : { kind: 'gcs' },
    buckets: {
      manifests: e.ALTUS_MANIFESTS_BUCKET ?? `${projectId}-altus-manifests`,
      results: e.ALTUS_RESULTS_BUCKET ?? `${projectId}-altus-results`,
    },
    fleet:
      e.ALTUS_FLEET === 'local'
        ? { kind: 'local', kubeconfig: e.ALTUS_LOCAL_KUBECONFIG!, ...(e.ALTUS_LOCAL_KUBE_USER ? { user: e.ALTUS_LOCAL_KUBE_USER } : {}) }
        : { kind: 'kubernetes' },
    fleetConfigPath: fleetConfigPathOf(e),
    logLevel: e.ALTUS_LOG_LEVEL,
    manifestUriPrefixes: e.ALTUS_MANIFEST_URI_PREFIXES,
    ...(e.ALTUS_CHAOS_DIR ? { chaosDir: e.ALTUS_CHAOS_DIR } : {}),
    ...(e.ALTUS_HANDLER_TIMEOUT_SECONDS !== undefined ? { handlerTimeoutMilliseconds: e.ALTUS_HANDLER_TIMEOUT_SECONDS * 1000 } : {}),
    ...(e.ALTUS_RECONCILE_GRACE_SECONDS !== undefined ? { reconcileGraceMilliseconds: e.ALTUS_RECONCILE_GRACE_SECONDS * 1000 } : {}),
    ...(e.ALTUS_STALLED_JOB_SECONDS !== undefined ? { stalledJobMilliseconds: e.ALTUS_STALLED_JOB_SECONDS * 1000 } : {}),
    ...meterSettingsOf(e),
  };
}

/**
 * The meter settings of a process that has no runtime configuration of its own
 * (a worker, the local fleet's pod host, the bench's load generator): ALTUS_METER_DIR,
 * and ALTUS_METER_ROLE as the role; undefined when the process is not metered.
 */
export function parseMeterSettings(env: Record<string, string | undefined>): MeterSettings | undefined {
  return meterSettingsOf(env).meter;
}

function meterSettingsOf(env: { ALTUS_METER_DIR?: string | undefined; ALTUS_METER_ROLE?: string | undefined }): { meter?: MeterSettings } {
  // A process the stack does not name still writes a record, as 'process'.
  return env.ALTUS_METER_DIR ? { meter: { dir: env.ALTUS_METER_DIR, role: env.ALTUS_METER_ROLE ?? 'process' } } : {};
}
