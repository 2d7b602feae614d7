/**
 * The benchmark sections that run through the local stack, in the order they
 * run on one fresh, metered stack: memory first (peak RSS is a high-water mark
 * since each process started, so the big-file run must be the first), then the
 * grid, the Monte Carlo pipeline, the control plane, and the scaling series.
 */
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import type { KernelFigures } from './kernel.ts';
import { BenchStack, checkEveryIndexOnce, type MeterTotals } from './stack-bench.ts';

export const SECTIONS = ['memory', 'grid', 'pipeline', 'controlPlane', 'scaling'] as const;
export type Section = (typeof SECTIONS)[number];

export interface StackFigures {
  memory: { parameters: number; shardSize: number; workerPeakRssMb: number; ingestPeakRssMb: number };
  grid: GridFigures;
  pipeline: { parameters: number; paths: number; shards: number; wallSeconds: number; kernelCpuSeconds: number; efficiency: number };
  controlPlane: { modes: ControlPlaneFigures[] };
  scaling: GridFigures[];
}

interface GridFigures {
  parameters: number;
  shardSize: number;
  wallSeconds: number;
  parametersPerSec: number;
}

interface ControlPlaneFigures extends MeterTotals {
  byRole: Record<string, number>;
  mode: 'upload' | 'run-request';
  shards: number;
  clusters: number;
  seconds: number;
  completionsPerSec: number;
  /** What the formulas give for this run. */
  expected: MeterTotals;
  formula: Record<keyof MeterTotals, string>;
}

interface Context {
  quick: boolean;
  progress: (text: string) => void;
  failures: Record<string, string>;
  kernel?: KernelFigures;
}

/** Runs the sections asked for on one stack; a section that fails is reported and the others still run. */
export async function runStackSections(sections: readonly Section[], ctx: Context): Promise<Partial<StackFigures>> {
  const out: Partial<StackFigures> = {};
  const stack = await BenchStack.start(ctx.progress);
  const work = mkdtempSync(join(tmpdir(), 'altus-bench-manifests-'));
  try {
    for (const section of SECTIONS.filter((s) => sections.includes(s))) {
      ctx.progress(`${section}: starting`);
      try {
        const figures = await RUNNERS[section](stack, work, ctx);
        (out as Record<string, unknown>)[section] = figures;
      } catch (error) {
        ctx.failures[section] = (error as Error).message;
        ctx.progress(`${section}: ${(error as Error).message}`);
      }
    }
  } finally {
    await stack.stop();
  }
  return out;
}

const RUNNERS: { [S in Section]: (stack: BenchStack, work: string, ctx: Context) => Promise<StackFigures[S]> } = {
  memory: async (stack, work, ctx) => {
    const parameters = ctx.quick ? 1_000_000 : 10_000_000;
    const shardSize = 10_000;
    const file = join(work, 'parameters.ndjson');
    ctx.progress(`memory: writing ${parameters.toLocaleString('en-US')} parameter sets to ${file}`);
    await writeParameterFile(file, parameters);
    const manifest = writeJson(work, 'memory.json', {
      apiVersion: 'altus/v1',
      kind: 'Run',
      name: `bench-memory-${parameters}`,
      kernel: { name: 'black-scholes' },
      parameters: { file: { uri: 'parameters.ndjson', format: 'ndjson' } },
      shardSize,
      aggregate: { metrics: ['price'] },
    });
    await stack.runUpload(manifest, { label: 'memory', timeoutSeconds: 3600, progress: ctx.progress });
    await sleep(1500); // the last once-a-second memory samples
    return { parameters, shardSize, workerPeakRssMb: stack.peakRssMb('worker'), ingestPeakRssMb: stack.peakRssMb('ingest') };
  },

  grid: async (stack, work, ctx) => runGrid(stack, work, ctx, ctx.quick ? 1_000_000 : 10_000_000),

  pipeline: async (stack, work, ctx) => {
    // Enough sets for ≥ 20 s (quick) or ≥ 60 s (full) of kernel time at the measured kernel speed,
    // with a margin, split into 8 shards per core so the last shards do not leave cores idle for long.
    const cores = availableParallelism();
    const targetCpuSeconds = (ctx.quick ? 20 : 60) * 1.25;
    const paths = 2_000_000;
    const mpathsPerSec = ctx.kernel?.tsMpathsPerSec ?? 30;
    const parameters = Math.ceil((targetCpuSeconds * mpathsPerSec * 1e6) / paths / (8 * cores)) * 8 * cores;
    const shardSize = parameters / (8 * cores);
    const manifest = writeJson(work, 'pipeline.json', {
      apiVersion: 'altus/v1',
      kind: 'Run',
      name: `bench-pipeline-${parameters}`,
      kernel: { name: 'european-option-mc', paths, seed: 7, antithetic: true },
      parameters: {
        random: {
          count: parameters,
          seed: 11,
          base: { type: 'call', spot: 100, rate: 0.03, dividendYield: 0 },
          fields: { strike: { uniform: [60, 140] }, volatility: { uniform: [0.1, 0.6] }, maturity: { uniform: [0.25, 3] } },
        },
      },
      shardSize,
      aggregate: { metrics: ['price'] },
    });
    const { run, wallSeconds } = await stack.runUpload(manifest, { label: 'pipeline', timeoutSeconds: 1800, progress: ctx.progress });
    const kernelCpuSeconds = run.cpuSeconds ?? 0;
    return { parameters, paths, shards: run.counts.shards, wallSeconds, kernelCpuSeconds, efficiency: kernelCpuSeconds / (wallSeconds * cores) };
  },

  controlPlane: async (stack, work, ctx) => {
    const shards = ctx.quick ? 2_000 : 10_000;
    const clusters = loadFleetConfig(process.env.ALTUS_FLEET_CONFIG ?? 'altus.config.json').clusters.length;
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
    const modes: ControlPlaneFigures[] = [];
    for (const mode of ['upload', 'run-request'] as const) {
      const options = { label: `controlPlane ${mode}`, timeoutSeconds: 1800, progress: ctx.progress };
      const named = { ...manifest, name: `${manifest.name}-${mode}` };
      const timed =
        mode === 'upload'
          ? await stack.runUpload(writeJson(work, 'control-plane.json', named), options)
          : await stack.runRequest(`bench-${Date.now()}`, named, options);
      await checkEveryIndexOnce(timed.run, shards);
      const ticks = Math.ceil(timed.wallSeconds / 10) + 1;
      modes.push({
        mode,
        shards,
        clusters,
        seconds: timed.wallSeconds,
        completionsPerSec: shards / timed.wallSeconds,
        ...timed.operations,
        byRole: timed.operationsByRole,
        ...operationFormula(shards, clusters, ticks, mode),
      });
    }
    return { modes };
  },

  scaling: async (stack, work, ctx) => {
    const out: GridFigures[] = [];
    for (const parameters of [1_000_000, 2_000_000, 5_000_000, 10_000_000]) out.push(await runGrid(stack, work, ctx, parameters));
    return out;
  },
};

/**
 * Operations a run costs, in shards S and clusters C (see scripts/bench/README.md):
 * Pub/Sub: one completion per shard, one dispatch message per cluster, one
 * aggregate request, one run-finished event. Firestore: per shard its record and
 * its group tally's increment (one atomic batch), plus the run document's life (create, placement, RUNNING, AGGREGATING,
 * final, announced). Kubernetes: one Job create per cluster, plus reconcile's
 * status reads (one per cluster per 10 s tick while the run is active).
 */
export function operationFormula(shards: number, clusters: number, ticks: number, mode: 'upload' | 'run-request') {
  void mode;
  const expected: MeterTotals = {
    pubsubMessages: shards + clusters + 2,
    firestoreWrites: 2 * shards + 6,
    kubernetesCalls: clusters + clusters * ticks,
  };
  const formula = {
    pubsubMessages: 'S + C + 2',
    firestoreWrites: '2S + 6',
    kubernetesCalls: `C + C × reconcile ticks (${ticks})`,
  };
  return { expected, formula };
}

async function runGrid(stack: BenchStack, work: string, ctx: Context, parameters: number): Promise<GridFigures> {
  const strikes = 1000;
  const maturities = 10;
  const vols = parameters / (strikes * maturities);
  const shardSize = 50_000;
  const manifest = writeJson(work, `grid-${parameters}.json`, {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: `bench-grid-${parameters}`,
    kernel: { name: 'black-scholes' },
    parameters: {
      grid: {
        base: { type: 'call', spot: 100, rate: 0.05, dividendYield: 0.01 },
        axes: {
          strike: { from: 50, to: 150, steps: strikes },
          volatility: { from: 0.05, to: 0.8, steps: vols },
          maturity: { from: 0.1, to: 2, steps: maturities },
        },
      },
    },
    shardSize,
    aggregate: { metrics: ['price', 'delta', 'vega'] },
  });
  const { wallSeconds } = await stack.runUpload(manifest, { label: `grid ${parameters.toLocaleString('en-US')}`, timeoutSeconds: 3600, progress: ctx.progress });
  ctx.progress(`grid ${parameters.toLocaleString('en-US')}: ${wallSeconds.toFixed(1)} s`);
  return { parameters, shardSize, wallSeconds, parametersPerSec: parameters / wallSeconds };
}

/** An NDJSON file of Black–Scholes parameter sets, written as a stream (constant memory). */
async function writeParameterFile(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  const batch: string[] = [];
  for (let i = 0; i < count; i++) {
    const strike = 50 + (i % 1000) / 10;
    const volatility = 0.05 + ((i >> 10) % 75) / 100;
    batch.push(`{"type":"${i & 1 ? 'put' : 'call'}","spot":100,"strike":${strike},"rate":0.05,"dividendYield":0.01,"volatility":${volatility},"maturity":${0.1 + (i % 19) / 10}}`);
    if (batch.length === 10_000 || i === count - 1) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
}

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
