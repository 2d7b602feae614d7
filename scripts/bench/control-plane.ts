/**
 * The control plane at 10,000 shards: one Black–Scholes set per shard through the
 * full pipeline on the emulators, once per way a run starts (a manifest upload,
 * the Eventarc path; a run request published to Pub/Sub), each run's results
 * read back to prove no shard was lost or doubled, its operations counted and
 * set beside the formula in shards and clusters they should follow.
 *
 * It measures the functions and the messaging, not pod churn: the worker clusters'
 * pod quota is 0 for the section, and a load generator (load-generator.ts) runs each
 * index of the Jobs dispatch creates as its pod would, publishing its completion.
 * How fast the real control plane turns pods over here is `podTurnover`'s figure.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { quotaFor } from '../../jobs/fleet/bootstrap.ts';
import { stackFile } from '../stack/state.ts';
import { createInterface } from 'node:readline';
import { READY_LINE, setPodQuota } from './load-generator.ts';
import type { Context } from './sections.ts';
import { checkEveryIndexOnce, writeManifest, type BenchStack, type MeterTotals } from './stack-bench.ts';

/**
 * The issue's flat figures are those of the slower mode (`slowerMode`), so one
 * run's seconds, rate and operation counts stay together and the time is the
 * worse of the two; each mode's own figures are under `modes`.
 */
export interface ControlPlaneSummary extends MeterTotals {
  shards: number;
  seconds: number;
  completionsPerSec: number;
  slowerMode: ControlPlaneFigures['mode'];
  modes: ControlPlaneFigures[];
  /** Pods the real control plane turned over per second here (a run of one-set shards on real pods). */
  podTurnoverPerSec: number;
  podTurnoverPods: number;
}

/** Shards (one pod each) of the pod-turnover run. */
const TURNOVER_PODS = 200;

export interface ControlPlaneFigures extends MeterTotals {
  byRole: Record<string, number>;
  mode: 'upload' | 'run-request';
  shards: number;
  clusters: number;
  seconds: number;
  completionsPerSec: number;
  /** Result rows read back: every index 0..shards-1 exactly once (otherwise the section fails). */
  rowsChecked: number;
  /** What the formulas give for this run. */
  expected: MeterTotals;
  formula: Record<keyof MeterTotals, string>;
}

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));
/** How long the generator may take to load and list the Jobs on a loaded two-core machine. */
const GENERATOR_READY_SECONDS = 180;

/** Runs both modes at 10,000 shards; the flat figures are the slower mode's. */
export async function benchControlPlane(stack: BenchStack, work: string, ctx: Context): Promise<ControlPlaneSummary> {
  // The issue gives no smaller size for the control plane: 10,000 shards in --quick too.
  const shards = 10_000;
  const manifest = {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: `bench-control-plane-${shards}`,
    kernel: { name: 'black-scholes' },
    parameters: {
      grid: {
        base: { type: 'call', spot: 100, rate: 0.05, dividendYield: 0, maturity: 1 },
        axes: { strike: { from: 50, to: 150, steps: shards / 100 }, volatility: { from: 0.1, to: 0.5, steps: 100 } },
      },
    },
    shardSize: 1,
    aggregate: { metrics: ['price'] },
  };
  const fleet = loadFleetConfig(process.env.ALTUS_FLEET_CONFIG ?? 'altus.config.json');
  const clusters = fleet.clusters.length;
  const names = fleet.clusters.map((c) => c.name);
  await setPodQuota(stack.info, fleet.namespace, names, '0');
  const generator = startGenerator(stack, fleet.namespace);
  const modes: ControlPlaneFigures[] = [];
  try {
    await generator.ready;
    for (const mode of ['upload', 'run-request'] as const) {
      const options = { label: `controlPlane ${mode}`, timeoutSeconds: 1800, progress: ctx.progress };
      const named = { ...manifest, name: `${manifest.name}-${mode}` };
      // A generator that dies leaves every index unrun: the section fails then, not at its timeout.
      const timed = await Promise.race([
        mode === 'upload'
          ? stack.runUpload(writeManifest(work, 'control-plane.json', named), options)
          : stack.runRequest(`bench-${Date.now()}`, named, options),
        generator.exited,
      ]);
      const rowsChecked = await checkEveryIndexOnce(timed.run, shards);
      const ticks = Math.ceil(timed.wallSeconds / 10) + 1;
      modes.push({
        mode,
        shards,
        clusters,
        seconds: timed.wallSeconds,
        completionsPerSec: shards / timed.wallSeconds,
        rowsChecked,
        ...timed.operations,
        byRole: timed.operationsByRole,
        ...operationFormula(shards, clusters, ticks, mode),
      });
    }
  } finally {
    generator.stop();
    // The bootstrap's quota: maxParallelism pods per cluster.
    for (const cluster of fleet.clusters) await setPodQuota(stack.info, fleet.namespace, [cluster.name], quotaFor(fleet, cluster).pods!);
  }
  // The other half of the picture: the same trivial shards on real pods (created, scheduled, run, reported, counted by the Job controller).
  const turnover = await stack.runUpload(
    writeManifest(work, 'pod-turnover.json', {
      ...manifest,
      name: 'bench-pod-turnover',
      parameters: {
        grid: {
          ...manifest.parameters.grid,
          axes: { strike: { from: 50, to: 150, steps: TURNOVER_PODS / 10 }, volatility: { from: 0.1, to: 0.5, steps: 10 } },
        },
      },
    }),
    { label: 'pod turnover', timeoutSeconds: 1800, progress: ctx.progress },
  );
  const slower = modes.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  return {
    podTurnoverPerSec: TURNOVER_PODS / turnover.wallSeconds,
    podTurnoverPods: TURNOVER_PODS,
    shards,
    seconds: slower.seconds,
    completionsPerSec: slower.completionsPerSec,
    pubsubMessages: slower.pubsubMessages,
    firestoreWrites: slower.firestoreWrites,
    kubernetesCalls: slower.kubernetesCalls,
    slowerMode: slower.mode,
    modes,
  };
}

/** A running load generator: `ready` once it has listed the Jobs already there; `exited` rejects if it stops on its own. */
function startGenerator(stack: BenchStack, namespace: string): { ready: Promise<void>; exited: Promise<never>; stop: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', GENERATOR, `--stack=${stackFile(stack.info.home)}`, `--namespace=${namespace}`], {
    env: { ...process.env, ALTUS_METER_DIR: join(stack.info.home, 'meters'), ALTUS_METER_ROLE: 'worker' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stopping = false;
  const exited = new Promise<never>((_, reject) => {
    child.on('exit', (code, signal) => {
      if (!stopping) reject(new Error(`the load generator stopped (${signal ?? `exit ${code}`}) before the control-plane runs finished; its errors are above`));
    });
  });
  exited.catch(() => undefined); // observed through ready and the runs' race
  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => reject(new Error(`the load generator did not get ready within ${GENERATOR_READY_SECONDS} s`)),
      GENERATOR_READY_SECONDS * 1000,
    );
    lines.on('line', (line) => {
      if (line === READY_LINE) {
        clearTimeout(timer);
        resolve();
      } else process.stdout.write(`${line}\n`);
    });
    exited.catch((error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return {
    ready,
    exited,
    stop: () => {
      stopping = true;
      child.kill('SIGTERM');
    },
  };
}

/**
 * Operations a run costs, in shards S and clusters C (see scripts/bench/README.md):
 * Pub/Sub: one completion per shard, one dispatch message per cluster, one
 * aggregate request, one run-finished event. Firestore: per shard its record and
 * its group tally's increment (one atomic batch), plus the run document's life (create, placement, RUNNING, AGGREGATING,
 * final, announced, its Jobs cleaned up), and at most one move of reconcile's open-runs
 * cursor; the clean-up mark and the cursor land on reconcile's next tick, so a run read
 * at once may not show them yet (2S + 6 to 2S + 8). Kubernetes: one Job create per
 * cluster, reconcile's status reads (one per cluster per 10 s tick while the run is
 * active), its clean-up list per cluster once the run ended, and one server-version
 * check per cluster in each of dispatch and reconcile, once per process (2C).
 */
export function operationFormula(shards: number, clusters: number, ticks: number, mode: 'upload' | 'run-request') {
  void mode;
  const expected: MeterTotals = {
    pubsubMessages: shards + clusters + 2,
    firestoreWrites: 2 * shards + 7,
    kubernetesCalls: clusters + clusters * ticks + clusters + 2 * clusters,
  };
  const formula = {
    pubsubMessages: 'S + C + 2',
    firestoreWrites: "2S + 7 (± 1: reconcile's clean-up mark and cursor land on its next tick)",
    kubernetesCalls: `C + C × reconcile ticks (${ticks}) + C clean-up lists + 2C version checks`,
  };
  return { expected, formula };
}
