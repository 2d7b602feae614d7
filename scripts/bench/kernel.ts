/**
 * Kernel speed against native code: the project's `european-option-mc` kernel and
 * the native reference `shared/bench/mc_ref.c` (compiled here with
 * `gcc -O3 -march=native`) price the same option with the same path count, on the
 * same core, in alternating rounds (A B B A …) so drift in the machine's speed hits
 * both sides alike. The ratio is the TypeScript median over the native median.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { benchAggregateCost, type AggregateCostFigures } from './aggregate-cost.ts';
import { median } from './measure.ts';
import { checkKernelPrices, type KernelPriceCheck } from './kernel-check.ts';

const CHILD = fileURLToPath(new URL('./kernel-child.ts', import.meta.url));

/** One side's answer, in mc_ref's output format. */
export interface KernelRound {
  price: number;
  /** Printed by the TypeScript side only (mc_ref.c does not report one). */
  stdError?: number;
  paths: number;
  secs: number;
  /** CPU seconds, printed by the TypeScript side only. */
  cpuSecs?: number;
  mpathsPerSec: number;
}

export interface KernelFigures {
  tsMpathsPerSec: number;
  /**
   * The TypeScript kernel's speed per CPU second (median): what sizes the pipeline run,
   * whose figure is in CPU seconds; unlike the wall-clock speed it does not drop when
   * the machine's other load preempts the kernel.
   */
  tsMpathsPerCpuSec: number;
  cMpathsPerSec: number;
  ratio: number;
  paths: number;
  rounds: number;
  tsPrice: number;
  tsStdError: number;
  cPrice: number;
  closedForm: number;
  /** Whether both sides priced the reference option alike (every round). */
  priceCheck: KernelPriceCheck;
  core: number | null;
  compiler: string;
  /** What the worker's exact per-metric statistics cost per row (aggregate-cost.ts). */
  aggregateCost: AggregateCostFigures;
}

/** Parses `price=4.75956 [stdError=1.2345e-4] paths=40000000 secs=1.382 [cpuSecs=1.380] Mpaths_per_s=28.95`. */
export function parseRound(line: string): KernelRound {
  const match = (name: string) => new RegExp(`\\b${name}=([-0-9.eE+]+)`).exec(line)?.[1];
  const field = (name: string) => {
    const value = match(name);
    if (value === undefined) throw new Error(`unexpected kernel output (no ${name}): ${line}`);
    return Number(value);
  };
  const stdError = match('stdError');
  const cpuSecs = match('cpuSecs');
  return {
    price: field('price'),
    ...(stdError !== undefined ? { stdError: Number(stdError) } : {}),
    paths: field('paths'),
    secs: field('secs'),
    ...(cpuSecs !== undefined ? { cpuSecs: Number(cpuSecs) } : {}),
    mpathsPerSec: field('Mpaths_per_s'),
  };
}

/** Compiles mc_ref.c; throws with what is missing. */
export function compileReference(source: string): { binary: string; compiler: string } {
  if (!existsSync(source)) throw new Error(`the native reference ${source} is missing (it lives in the team folder beside the repo: ../shared/bench/mc_ref.c)`);
  const version = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (version.error) throw new Error('gcc is not installed: the kernel benchmark compiles the native reference with gcc -O3 -march=native');
  const binary = join(mkdtempSync(join(tmpdir(), 'altus-bench-')), 'mc_ref');
  const built = spawnSync('gcc', ['-O3', '-march=native', '-o', binary, source, '-lm'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`gcc failed to compile ${source}:\n${built.stderr}`);
  return { binary, compiler: version.stdout.split('\n')[0]!.trim() };
}

export async function benchKernel(options: { source: string; paths: number; rounds: number; progress: (text: string) => void }): Promise<KernelFigures> {
  const { binary, compiler } = compileReference(options.source);
  // Both sides on the same core, the last one (away from interrupts that favour core 0).
  const core = spawnSync('taskset', ['--version']).error ? null : availableParallelism() - 1;
  const pin = (command: string, args: string[]) => (core === null ? { command, args } : { command: 'taskset', args: ['-c', String(core), command, ...args] });

  const ts = startChild(pin(process.execPath, ['--import', 'tsx', CHILD]));
  try {
    // Warm-up: V8 optimizes the kernel's loops on first use; a worker prices many sets, so steady state is what counts.
    for (let i = 0; i < 3; i++) await ts.ask(Math.min(options.paths, 4_000_000));
    const c: KernelRound[] = [];
    const t: KernelRound[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // A B B A: each side goes first every other round.
      const order = round % 2 === 0 ? ['c', 'ts'] : ['ts', 'c'];
      for (const side of order) {
        if (side === 'c') c.push(runReference(pin(binary, [String(options.paths)])));
        else t.push(await ts.ask(options.paths));
      }
      options.progress(
        `kernel round ${round + 1}/${options.rounds}: native ${c.at(-1)!.mpathsPerSec.toFixed(1)}, TypeScript ${t.at(-1)!.mpathsPerSec.toFixed(1)} Mpaths/s`,
      );
    }
    const priceCheck = checkKernelPrices(t.map((r, i) => ({ tsPrice: r.price, tsStdError: r.stdError ?? Number.NaN, cPrice: c[i]!.price })));
    if (!priceCheck.ok) options.progress(`kernel: THE PRICES DISAGREE: ${priceCheck.problems.join('; ')}`);
    options.progress('kernel: timing the per-row statistics (exact sums, sketch) on black-scholes rows');
    const aggregateCost = benchAggregateCost({ rows: 200_000, rounds: options.rounds });
    const cRate = median(c.map((r) => r.mpathsPerSec));
    const tsRate = median(t.map((r) => r.mpathsPerSec));
    return {
      tsMpathsPerSec: tsRate,
      tsMpathsPerCpuSec: median(t.map((r) => r.paths / (r.cpuSecs ?? r.secs) / 1e6)),
      cMpathsPerSec: cRate,
      ratio: tsRate / cRate,
      paths: options.paths,
      rounds: options.rounds,
      tsPrice: t.at(-1)!.price,
      tsStdError: t.at(-1)!.stdError ?? Number.NaN,
      cPrice: c.at(-1)!.price,
      closedForm: priceCheck.blackScholes,
      priceCheck,
      core,
      compiler,
      aggregateCost,
    };
  } finally {
    ts.close();
  }
}

function runReference(cmd: { command: string; args: string[] }): KernelRound {
  const out = spawnSync(cmd.command, cmd.args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`mc_ref failed: ${out.stderr || out.error?.message}`);
  return parseRound(out.stdout);
}

function startChild(cmd: { command: string; args: string[] }) {
  const child: ChildProcessWithoutNullStreams = spawn(cmd.command, cmd.args, { stdio: 'pipe' });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    async ask(paths: number): Promise<KernelRound> {
      child.stdin.write(`${paths}\n`);
      const next = await lines.next();
      if (next.done) throw new Error(`the TypeScript kernel process ended: ${stderr}`);
      return parseRound(next.value);
    },
    close: () => child.kill(),
  };
}
