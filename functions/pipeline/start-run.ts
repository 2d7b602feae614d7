/**
 * Starting a run, shared by `ingest` (upload) and `run-request` (Pub/Sub):
 * create the run document (idempotent), validate, plan, place, publish one
 * dispatch message per (run, cluster), mark it RUNNING. A rejected manifest ends
 * REJECTED with a code and a message; no Job is created.
 */
import { kernelLabel } from '../../shared/custom-kernel.ts';
import { digest } from '../../shared/ids.ts';
import { emptyCounts, TERMINAL_STATUSES, type RunOrigin, type RunPlacement } from '../../shared/documents.ts';
import { PermanentError } from '../../shared/errors.ts';
import type { DispatchMessage } from '../../shared/messages.ts';
import { jobName } from '../../jobs/fleet/job-builder.ts';
import { checkManifestValue, decodeManifestBytes } from '../../jobs/planning/decode.ts';
import { planRun } from '../../jobs/planning/plan.ts';
import { runObjects } from '../../shared/run-plan.ts';
import { eligibleClusters, placeShards, podRequest } from '../../jobs/planning/placement.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';
import { announceFinished, owesAnnouncement, UNANNOUNCED } from './announce.ts';
import type { Dependencies } from './deps.ts';

/** What arrived: manifest bytes (upload, manifestUri) or an already-parsed manifest (inline request). */
export type ManifestInput = { bytes: Buffer } | { value: unknown };

/** How a start ended, for logs and tests. */
export type StartOutcome = 'started' | 'rejected' | 'duplicate' | 'conflict';

/** Starts (or resumes starting) the run `runId`. Transient failures throw so the event is redelivered. */
export async function startRun(
  deps: Dependencies,
  input: {
    runId: string;
    origin: RunOrigin;
    manifest: ManifestInput;
    manifestObject: string | null;
    fallbackName: string;
    /** Known to be unacceptable before reading it (e.g. too large): record the run as REJECTED with this. */
    rejectWith?: PermanentError;
    /** What identifies the manifest when it is not the input itself (a rejected request: the message's hash). */
    manifestHash?: string;
  },
): Promise<StartOutcome> {
  const { runs, log } = deps;
  let rejectWith = input.rejectWith;
  let manifestHash: string;
  if (input.manifestHash !== undefined) manifestHash = input.manifestHash;
  else if ('bytes' in input.manifest) manifestHash = digest(input.manifest.bytes.toString('latin1'));
  else {
    // Limits before anything walks the value: hashing a hostile nesting would overflow the stack.
    try {
      manifestHash = digest(JSON.stringify(checkManifestValue(input.manifest.value)) ?? 'undefined');
    } catch (error) {
      if (!(error instanceof PermanentError)) throw error;
      rejectWith ??= error;
      manifestHash = digest(`rejected ${error.code}: ${error.message}`);
    }
  }
  const now = deps.now().toISOString();
  const created = await runs.createRun({
    runId: input.runId,
    name: input.fallbackName,
    status: 'ACCEPTED',
    origin: input.origin,
    manifestHash,
    counts: emptyCounts(),
    attempt: 0,
    createdAt: now,
  });
  if (created.outcome === 'created') deps.faults.crashPoint('start-run.after-create');
  if (created.outcome === 'exists') {
    const existing = created.existing;
    if (existing.manifestHash !== manifestHash) return 'conflict';
    // An earlier delivery ended the run (REJECTED) and died before announcing it.
    if (TERMINAL_STATUSES.includes(existing.status) && owesAnnouncement(existing)) await announceFinished(deps, existing);
    // ACCEPTED means an earlier delivery stopped part-way: every step below is idempotent, so finish it.
    if (existing.status !== 'ACCEPTED') return 'duplicate';
  }

  if (rejectWith) return reject(deps, input.runId, rejectWith, undefined);
  let value: unknown;
  let validated: ReturnType<typeof validateManifest>;
  try {
    value = 'bytes' in input.manifest ? decodeManifestBytes(input.manifest.bytes) : checkManifestValue(input.manifest.value);
    validated = validateManifest(value, deps.fleetConfig);
  } catch (error) {
    if (error instanceof PermanentError) return reject(deps, input.runId, error, nameOf(value));
    throw error;
  }
  const { manifest } = validated;

  let plan: Awaited<ReturnType<typeof planRun>>;
  try {
    plan = await planRun({
      runId: input.runId,
      validated,
      store: deps.store,
      manifestsBucket: deps.config.buckets.manifests,
      resultsBucket: deps.config.buckets.results,
      manifestObject: input.manifestObject,
    });
  } catch (error) {
    if (error instanceof PermanentError) return reject(deps, input.runId, error, manifest.name);
    throw error;
  }
  const planUri = runObjects.plan(deps.config.buckets.results, input.runId);
  await deps.store.write(planUri, JSON.stringify(plan), { ifAbsent: true, contentType: 'application/json' });
  deps.faults.crashPoint('start-run.after-plan');

  const gpu = manifest.resources?.gpu;
  const slices = placeShards(plan.shardCount, eligibleClusters(deps.fleetConfig, manifest.placement.clusters, gpu), podRequest(deps.fleetConfig, gpu));
  const placement: RunPlacement[] = slices.map((s) => ({
    cluster: s.cluster.name,
    region: s.cluster.region,
    offset: s.offset,
    count: s.count,
    job: jobName(input.runId, s.cluster.name, 0),
  }));
  // Guarded: a delivery that found the run ACCEPTED may get here after another one
  // started, or even finished, it; an unguarded write would reset a finished run's counts.
  const planned = await runs.transition(input.runId, ['ACCEPTED'], {
    name: manifest.name,
    kernel: kernelLabel(manifest.kernel),
    planUri,
    placement,
    ...(manifest.placement.clusters ? { placementClusters: manifest.placement.clusters } : {}),
    ...(gpu ? { gpu } : {}),
    counts: { ...emptyCounts(), parameters: plan.parameterCount, shards: plan.shardCount },
  });
  if (!planned) return alreadyStarted(deps, input.runId);
  await Promise.all(
    slices.map((s) => {
      const message: DispatchMessage = { v: 1, runId: input.runId, cluster: s.cluster.name, attempt: 0, shards: { offset: s.offset, count: s.count } };
      return deps.bus.publish('dispatch', message);
    }),
  );
  deps.faults.crashPoint('start-run.after-dispatch');
  const started = deps.now();
  const running = await runs.transition(input.runId, ['ACCEPTED'], {
    status: 'RUNNING',
    startedAt: started.toISOString(),
    deadlineAt: new Date(started.getTime() + manifest.deadlineSeconds * 1000).toISOString(),
  });
  if (!running) return alreadyStarted(deps, input.runId);
  log.info('run started', { runId: input.runId, parameters: plan.parameterCount, shards: plan.shardCount, clusters: placement.map((p) => p.cluster) });
  return 'started';
}

/** Another delivery of the same start moved the run on first: this one is a duplicate. */
function alreadyStarted(deps: Dependencies, runId: string): StartOutcome {
  deps.log.info('run already started by another delivery of this event', { runId });
  return 'duplicate';
}

async function reject(deps: Dependencies, runId: string, error: PermanentError, name: string | undefined): Promise<StartOutcome> {
  const moved = await deps.runs.transition(runId, ['ACCEPTED'], {
    status: 'REJECTED',
    ...(name ? { name } : {}),
    error: { code: error.code, message: error.message },
    finishedAt: deps.now().toISOString(),
    ...UNANNOUNCED,
    // A rejected run never had a Job: nothing on the fleet to clean up.
    fleetCleanedUp: true,
  });
  deps.log.warn('manifest rejected', { runId, code: error.code, reason: error.message });
  if (moved) await announceFinished(deps, moved);
  return 'rejected';
}

function nameOf(value: unknown): string | undefined {
  const name = (value as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length > 0 && name.length <= 100 ? name : undefined;
}
