/**
 * What every chaos scenario is built from: the context (stack, clients, proxy,
 * chaos and meter folders), the two manifests, submitting a run by upload or by
 * run request, waiting for it, the fault-free baseline, and `faulted`, which runs
 * a manifest under a fault and judges both the run and the fault's evidence.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import { TERMINAL_STATUSES, type RunDocument } from '../../shared/documents.ts';
import type { FirestoreRunStore } from '../../shared/run-store.ts';
import type { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { submitLocal } from '../cli/submit.ts';
import { sleep } from '../stack/processes.ts';
import type { StackInfo } from '../stack/state.ts';
import type { ChaosProxy } from './proxy.ts';
import { judge, type ChaosRow, type FaultEvidence } from './verdict.ts';

/** What every scenario gets. */
export interface ChaosContext {
  stack: StackInfo;
  runs: FirestoreRunStore;
  pubsub: PubSub;
  store: LocalObjectStore;
  proxy: ChaosProxy;
  /** The stack's ALTUS_CHAOS_DIR (crash points). */
  chaosDir: string;
  /** The stack's ALTUS_METER_DIR (peak RSS per process). */
  meterDir: string;
  progress: (line: string) => void;
}

const book = (name: string, paths: number) => ({
  apiVersion: 'altus/v1',
  kind: 'Run',
  name,
  kernel: { name: 'european-option-mc', paths, seed: 11 },
  parameters: {
    random: {
      count: 40,
      seed: 5,
      base: { type: 'call', rate: 0.03, maturity: 1 },
      fields: { spot: { uniform: [80, 120] }, strike: { uniform: [90, 110] }, volatility: { normal: [0.25, 0.05], min: 0.05 } },
    },
  },
  shardSize: 2,
  // The verdict compares each run's results file with the baseline's, byte for byte.
  results: { format: 'ndjson' },
});
/** A quick run (20 shards, milliseconds each) and a heavy one (20 shards of about a second). */
export const LIGHT = book('chaos-light', 20_000);
export const HEAVY = book('chaos-heavy', 16_000_000);

const baselines = new Map<unknown, Promise<RunDocument>>();

/** Uploads a manifest (and files beside it) as a user would; resolves to the run id once ingest accepted the event. */
export async function submit(ctx: ChaosContext, name: string, manifest: unknown, files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = mkdtempSync(join(ctx.stack.home, 'chaos-'));
  const path = join(dir, name);
  writeFileSync(path, typeof manifest === 'string' || Buffer.isBuffer(manifest) ? manifest : JSON.stringify(manifest));
  for (const [file, body] of Object.entries(files)) writeFileSync(join(dir, file), body);
  return (await submitLocal(ctx.stack, path)).runId;
}

/** Publishes a run request (the run-request function's path); the request id is the run id. */
export async function requestRun(ctx: ChaosContext, prefix: string, manifest: unknown): Promise<string> {
  const requestId = `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await ctx.pubsub.topic(ctx.stack.topics.runRequests).publishMessage({ json: { requestId, manifest } });
  return requestId;
}

/** Waits for a run to end. */
export async function waitForEnd(ctx: ChaosContext, runId: string, timeoutSeconds = 600): Promise<RunDocument> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const run = await ctx.runs.getRun(runId);
    if (run && TERMINAL_STATUSES.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish in ${timeoutSeconds} s (${run?.status ?? 'not created'})`);
    await sleep(200);
  }
}

/**
 * Waits until a run has ended and its run-finished event is out — the last thing
 * the finishing handler does — so nothing of it is still in a handler when the
 * next fault is armed.
 */
export async function waitForSettled(ctx: ChaosContext, runId: string, timeoutSeconds = 120): Promise<RunDocument> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const run = await ctx.runs.getRun(runId);
    if (run && TERMINAL_STATUSES.includes(run.status) && run.runFinishedPublished === true) return run;
    if (Date.now() > deadline)
      throw new Error(
        `run ${runId} did not settle in ${timeoutSeconds} s (${run?.status ?? 'not created'}, run-finished ${run?.runFinishedPublished ? '' : 'not '}published)`,
      );
    await sleep(200);
  }
}

/** The fault-free run of `manifest` (run once per suite and shared). */
export function baseline(ctx: ChaosContext, manifest: unknown): Promise<RunDocument> {
  let run = baselines.get(manifest);
  if (!run) {
    run = submit(ctx, 'baseline.json', manifest).then((id) => waitForEnd(ctx, id));
    baselines.set(manifest, run);
  }
  return run;
}

/** Times a scenario's body into a row. */
export async function timed(scenario: string, body: () => Promise<Omit<ChaosRow, 'scenario' | 'seconds'>>): Promise<ChaosRow> {
  const started = performance.now();
  const row = await body();
  return { scenario, ...row, seconds: (performance.now() - started) / 1000 };
}

/** How a fault acts on one run. */
export interface Fault<T> {
  /** Runs before the upload (install a proxy, arm crash points). */
  before?: () => Promise<void>;
  /** Runs once the upload was accepted, while the run goes on. */
  during?: (runId: string) => Promise<T>;
  /** Runs after the run ended: what was seen of the fault. */
  evidence: (run: RunDocument, during: T | undefined) => Promise<FaultEvidence> | FaultEvidence;
  /** Runs last, whatever happened (uninstall the proxy). */
  cleanup?: () => Promise<void>;
}

/** Runs `manifest` under `fault` and judges the run against the baseline, and the fault by its evidence. */
export async function faulted<T>(ctx: ChaosContext, manifest: unknown, fault: Fault<T>): Promise<Omit<ChaosRow, 'scenario' | 'seconds'>> {
  const expected = await baseline(ctx, manifest);
  try {
    await fault.before?.();
    const runId = await submit(ctx, 'faulted.json', manifest);
    const during = await fault.during?.(runId);
    const run = await waitForEnd(ctx, runId);
    return { runs: 1, ...judge(run, expected), ...(await fault.evidence(run, during)) };
  } finally {
    await fault.cleanup?.();
  }
}

/** Polls `probe` until it holds. */
export async function until(probe: () => Promise<boolean>, timeoutSeconds = 120): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the fault window');
    await sleep(100);
  }
}

/** The local fleet's view: clusters and their Jobs with batch/v1 status. */
export type FleetView = Array<{ name: string; down: boolean; jobs: Array<{ name?: string; runId?: string; status: { active?: number; failed?: number } }> }>;

export async function fleetView(ctx: ChaosContext): Promise<FleetView> {
  return (await (await fetch(`${ctx.stack.localFleetUrl}/_altus/clusters`)).json()) as FleetView;
}

/** Whether some Job of `runId` (on `cluster`, if given) has a pod running. */
export async function active(ctx: ChaosContext, runId: string, cluster?: string): Promise<boolean> {
  return (await fleetView(ctx)).some((c) => (!cluster || c.name === cluster) && c.jobs.some((j) => j.runId === runId && (j.status.active ?? 0) > 0));
}
