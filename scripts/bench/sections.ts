/**
 * The benchmark sections that run through the local stack, in the order they
 * run on one fresh, metered stack: memory first (peak RSS is a high-water mark
 * since each process started, so the big-file run must be the first), then the
 * grid, the Monte Carlo pipeline, the control plane, and the scaling series.
 */
import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { benchControlPlane, type ControlPlaneSummary } from './control-plane.ts';
import type { KernelFigures } from './kernel.ts';
import type { RunDocument } from '../../shared/documents.ts';
import { ResultsTable } from '../cli/results-table.ts';
import { BenchStack, writeManifest } from './stack-bench.ts';

export const SECTIONS = ['memory', 'grid', 'pipeline', 'controlPlane', 'scaling'] as const;
export type Section = (typeof SECTIONS)[number];

export interface StackFigures {
  memory: { parameters: number; shardSize: number; workerPeakRssMb: number; ingestPeakRssMb: number };
  grid: GridFigures;
  pipeline: PipelineFigures;
  controlPlane: ControlPlaneSummary;
  scaling: GridFigures[];
  /** Measured on the grid section's run (not a section of its own). */
  results: ResultsFigures;
}

interface GridFigures {
  parameters: number;
  shardSize: number;
  wallSeconds: number;
  parametersPerSec: number;
  /** CPU seconds the shards reported (kernel, rows, results; not the control plane): what the wall time would be on idle cores, times their count. */
  shardCpuSeconds: number;
}

/** The grid run's results: bytes per row of its Parquet dataset, and one --sql aggregate over every row. */
interface ResultsFigures {
  format: 'parquet';
  rows: number;
  bytesPerRow: number;
  queryMillis: number;
  query: string;
}

interface PipelineFigures {
  parameters: number;
  paths: number;
  shards: number;
  wallSeconds: number;
  kernelCpuSeconds: number;
  efficiency: number;
  /** The compute the issue asks of this run (60 s, 20 s with --quick); checked against kernelCpuSeconds. */
  targetCpuSeconds: number;
}

/** What every section gets: options, progress, where failures and timings go, and the kernel figures. */
export interface Context {
  quick: boolean;
  progress: (text: string) => void;
  failures: Record<string, string>;
  /** Wall seconds per step (stack start and stop, each section), to see where the bench's time goes. */
  timings: Record<string, number>;
  kernel?: KernelFigures;
}

/** Runs the sections asked for on one stack; a section that fails is reported and the others still run. */
export async function runStackSections(sections: readonly Section[], ctx: Context): Promise<Partial<StackFigures>> {
  const out: Partial<StackFigures> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      ctx.timings[step] = (performance.now() - started) / 1000;
    }
  };
  const work = mkdtempSync(join(tmpdir(), 'altus-bench-manifests-'));
  try {
    // The memory run's parameter file is a fixture, not a figure: it is written while the stack starts.
    const fixtures: Fixtures = { memoryFile: sections.includes('memory') ? writeMemoryFile(work, ctx) : undefined };
    fixtures.memoryFile?.catch(() => {}); // the memory section reports it; a failure here must not end the process first
    const stack = await timed('stackStart', () => BenchStack.start(ctx.progress));
    try {
      await timed('warmUp', () => warmUp(stack, work, ctx));
      for (const section of SECTIONS.filter((s) => sections.includes(s))) {
        ctx.progress(`${section}: starting`);
        try {
          const figures = await timed<unknown>(section, () => RUNNERS[section](stack, work, ctx, fixtures));
          if (section === 'grid') {
            // The results figures come from the grid's run: they are reported beside it, under their own name.
            const { results, ...grid } = figures as GridFigures & { results: ResultsFigures };
            out.grid = grid;
            out.results = results;
          } else (out as Record<string, unknown>)[section] = figures;
        } catch (error) {
          ctx.failures[section] = (error as Error).message;
          ctx.progress(`${section}: ${(error as Error).message}`);
        }
      }
    } finally {
      await timed('stackStop', () => stack.stop(ctx.progress));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

/**
 * Small runs before any timed one, one per kernel path the sections time (the
 * pipeline's Monte Carlo; the Black–Scholes grid of the grid, memory, control-plane
 * and scaling sections): every function instance and pod process has then served
 * requests, as in a deployment that has run before. Without them the first timed
 * section pays each instance's first Firestore, Pub/Sub and Kubernetes calls (about
 * 0.7 s of a 20 s run here) and each pod process's first shards of a kernel, whose
 * code V8 has not optimized yet (a 50,000-row grid shard: 0.56 CPU-s in a new
 * process, 0.31 the second time, 0.21 from the fourth on). Local pod processes are
 * long-lived, so that is a cost a deployment pays once, not per run. Their time is
 * in `timings.warmUp`.
 */
async function warmUp(stack: BenchStack, work: string, ctx: Context): Promise<void> {
  const shards = 4 * availableParallelism();
  const runs = [
    {
      name: 'bench-warm-up-mc',
      kernel: { name: 'european-option-mc', paths: 10_000, seed: 1, antithetic: true },
      parameters: {
        random: {
          count: shards,
          seed: 1,
          base: { type: 'call', spot: 100, strike: 100, rate: 0.03, dividendYield: 0, volatility: 0.2, maturity: 1 },
          fields: {},
        },
      },
      shardSize: 1,
      aggregate: { metrics: ['price'] },
    },
    {
      name: 'bench-warm-up-grid',
      kernel: { name: 'black-scholes' },
      parameters: {
        grid: {
          base: { type: 'call', spot: 100, rate: 0.05, dividendYield: 0.01, maturity: 1 },
          axes: { strike: { from: 50, to: 150, steps: 100 }, volatility: { from: 0.05, to: 0.8, steps: shards * 100 } },
        },
      },
      shardSize: 10_000,
      aggregate: { metrics: ['price', 'delta', 'vega'] },
    },
  ];
  for (const run of runs) {
    const manifest = writeManifest(work, `${run.name}.json`, { apiVersion: 'altus/v1', kind: 'Run', ...run });
    const timed = await stack.runUpload(manifest, { label: run.name, timeoutSeconds: 600, progress: ctx.progress });
    stack.discardRunFiles(timed.run);
    ctx.progress(`${run.name}: ${shards} shards in ${timed.wallSeconds.toFixed(1)} s (not a figure: it warms every instance and pod process)`);
  }
}

/** Inputs prepared while the stack starts. */
interface Fixtures {
  memoryFile?: Promise<MemoryFile>;
}

interface MemoryFile {
  parameters: number;
}

/** The memory run's NDJSON parameter file, `parameters.ndjson` in `work`. */
async function writeMemoryFile(work: string, ctx: Context): Promise<MemoryFile> {
  const parameters = ctx.quick ? 1_000_000 : 10_000_000;
  const file = join(work, 'parameters.ndjson');
  const started = performance.now();
  await writeParameterFile(file, parameters);
  ctx.progress(`memory: wrote ${parameters.toLocaleString('en-US')} parameter sets to ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { parameters };
}

const RUNNERS: { [S in Section]: (stack: BenchStack, work: string, ctx: Context, fixtures: Fixtures) => Promise<StackFigures[S]> } = {
  memory: async (stack, work, ctx, fixtures) => {
    if (!fixtures.memoryFile) throw new Error('the memory parameter file was not prepared');
    const { parameters } = await fixtures.memoryFile;
    const shardSize = 10_000;
    const manifest = writeManifest(work, 'memory.json', {
      apiVersion: 'altus/v1',
      kind: 'Run',
      name: `bench-memory-${parameters}`,
      kernel: { name: 'black-scholes' },
      parameters: { file: { uri: 'parameters.ndjson', format: 'ndjson' } },
      shardSize,
      aggregate: { metrics: ['price'] },
    });
    const { run } = await stack.runUpload(manifest, { label: 'memory', timeoutSeconds: 3600, progress: ctx.progress });
    await sleep(1500); // the last once-a-second memory samples
    const figures = { parameters, shardSize, workerPeakRssMb: stack.peakRssMb('worker'), ingestPeakRssMb: stack.peakRssMb('ingest') };
    // 10,000,000 lines leave ~3.5 GB of parameter file and results behind: gone before the grid is timed.
    stack.discardRunFiles(run, [join(work, 'parameters.ndjson')]);
    return figures;
  },

  grid: async (stack, work, ctx) => runGrid(stack, work, ctx, ctx.quick ? 1_000_000 : 10_000_000, { measureResults: true }),

  pipeline: async (stack, work, ctx) => {
    // Enough sets for ≥ 20 s (quick) or ≥ 60 s (full) of kernel CPU at the kernel's measured speed per
    // CPU second (without the kernel section, a speed above any seen here, to overshoot), with a margin,
    // split into 8 shards per core so the last shards do not leave cores idle for long.
    const cores = availableParallelism();
    const targetCpuSeconds = ctx.quick ? 20 : 60;
    const paths = 2_000_000;
    const mpathsPerCpuSec = ctx.kernel?.tsMpathsPerCpuSec ?? 80;
    const parameters = Math.ceil((targetCpuSeconds * 1.25 * mpathsPerCpuSec * 1e6) / paths / (8 * cores)) * 8 * cores;
    const shardSize = parameters / (8 * cores);
    const manifest = writeManifest(work, 'pipeline.json', {
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
    // The sizing above is an estimate from the kernel section's speed: what counts is what the shards report.
    if (kernelCpuSeconds < targetCpuSeconds) {
      ctx.progress(`pipeline: only ${kernelCpuSeconds.toFixed(1)} s of kernel CPU, short of the ${targetCpuSeconds} s the figure needs`);
    }
    return {
      parameters,
      paths,
      shards: run.counts.shards,
      wallSeconds,
      kernelCpuSeconds,
      efficiency: kernelCpuSeconds / (wallSeconds * cores),
      targetCpuSeconds,
    };
  },

  controlPlane: async (stack, work, ctx) => benchControlPlane(stack, work, ctx),

  scaling: async (stack, work, ctx) => {
    const out: GridFigures[] = [];
    for (const parameters of [1_000_000, 2_000_000, 5_000_000, 10_000_000]) out.push(await runGrid(stack, work, ctx, parameters));
    return out;
  },
};

async function runGrid(
  stack: BenchStack,
  work: string,
  ctx: Context,
  parameters: number,
  options: { measureResults?: boolean } = {},
): Promise<GridFigures & { results?: ResultsFigures }> {
  const strikes = 1000;
  const maturities = 10;
  const vols = parameters / (strikes * maturities);
  const shardSize = 50_000;
  const manifest = writeManifest(work, `grid-${parameters}.json`, {
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
  const { run, wallSeconds } = await stack.runUpload(manifest, {
    label: `grid ${parameters.toLocaleString('en-US')}`,
    timeoutSeconds: 3600,
    progress: ctx.progress,
  });
  ctx.progress(`grid ${parameters.toLocaleString('en-US')}: ${wallSeconds.toFixed(1)} s`);
  const results = options.measureResults ? await measureResults(run, parameters, ctx) : undefined;
  stack.discardRunFiles(run); // the rows (0.5 GB of Parquet, 3.3 GB as NDJSON): the next timed run starts on a quiet disk
  return {
    parameters,
    shardSize,
    wallSeconds,
    parametersPerSec: parameters / wallSeconds,
    shardCpuSeconds: run.cpuSeconds ?? 0,
    ...(results ? { results } : {}),
  };
}

/** Bytes per row of the run's dataset folder, and the time of one aggregate over every row with the CLI's --sql engine. */
async function measureResults(run: RunDocument, parameters: number, ctx: Context): Promise<ResultsFigures> {
  const folder = run.results?.path;
  if (run.results?.format !== 'parquet' || !folder) throw new Error(`the grid run's results are not a local Parquet dataset (${JSON.stringify(run.results)})`);
  const bytes = readdirSync(folder).reduce((n, name) => n + statSync(join(folder, name)).size, 0);
  const query = 'SELECT COUNT(*) AS row_count, AVG(price) AS mean_price, MAX(delta) AS max_delta, SUM(vega) AS total_vega FROM results';
  const started = performance.now();
  const table = await ResultsTable.open(folder);
  try {
    const answer = await table.query(query);
    for await (const row of answer.rows) if (row.row_count !== parameters) throw new Error(`the --sql count is ${String(row.row_count)}, not ${parameters}`);
  } finally {
    table.close();
  }
  const queryMillis = performance.now() - started;
  ctx.progress(
    `results: ${(bytes / parameters).toFixed(1)} bytes/row, --sql aggregate over ${parameters.toLocaleString('en-US')} rows in ${queryMillis.toFixed(0)} ms`,
  );
  return { format: 'parquet', rows: parameters, bytesPerRow: bytes / parameters, queryMillis, query };
}

/** An NDJSON file of Black–Scholes parameter sets, written as a stream (constant memory). */
async function writeParameterFile(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  const batch: string[] = [];
  for (let i = 0; i < count; i++) {
    const strike = 50 + (i % 1000) / 10;
    const volatility = 0.05 + ((i >> 10) % 75) / 100;
    batch.push(
      `{"type":"${i & 1 ? 'put' : 'call'}","spot":100,"strike":${strike},"rate":0.05,"dividendYield":0.01,"volatility":${volatility},"maturity":${0.1 + (i % 19) / 10}}`,
    );
    if (batch.length === 10_000 || i === count - 1) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
