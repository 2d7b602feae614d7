/**
 * `npm run bench [-- --quick] [-- --only kernel,grid]`: the benchmarks of the
 * issue, printed as a table and written to scripts/bench/results/latest.json
 * with the machine they ran on. See scripts/bench/README.md for each figure.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { figureRows } from './figure-rows.ts';
import { benchKernel } from './kernel.ts';
import { benchQmc } from './qmc.ts';
import { benchChecks, type BenchFigures } from './report.ts';
import { SECTIONS, runStackSections, type Section } from './sections.ts';
import { renderTable } from './table.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Sections measured in this process, without the local stack. */
const LOCAL_SECTIONS: readonly string[] = ['kernel', 'qmc'];

const program = new Command('bench')
  .description('Altus benchmarks: kernel vs native, pipeline efficiency, grid throughput, control plane, memory')
  .option('--quick', 'smaller sizes, under 5 minutes (every figure, no scaling series)')
  .addOption(new Option('--only <sections>', `comma-separated subset of: ${[...LOCAL_SECTIONS, ...SECTIONS].join(', ')}`))
  .option('--mc-ref <path>', 'the native reference', join(ROOT, '../shared/bench/mc_ref.c'))
  .option('--out <file>', 'where to write the JSON', join(ROOT, 'scripts/bench/results/latest.json'))
  .parse();
const opts = program.opts<{ quick?: boolean; only?: string; mcRef: string; out: string }>();
const quick = Boolean(opts.quick);
const wanted = new Set(opts.only ? opts.only.split(',').map((s) => s.trim()) : [...LOCAL_SECTIONS, ...SECTIONS.filter((s) => !quick || s !== 'scaling')]);
for (const s of wanted) {
  if (!LOCAL_SECTIONS.includes(s) && !SECTIONS.includes(s as Section))
    program.error(`unknown section "${s}"; choose from ${[...LOCAL_SECTIONS, ...SECTIONS].join(', ')}`);
}

const progress = (text: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
const t0 = performance.now();
const results: BenchFigures = {};
const failures: Record<string, string> = {};
const timings: Record<string, number> = {};

if (wanted.has('kernel')) {
  progress('kernel: compiling the native reference and alternating rounds on one core');
  const started = performance.now();
  try {
    results.kernel = await benchKernel({ source: opts.mcRef, paths: quick ? 20_000_000 : 40_000_000, rounds: quick ? 5 : 9, progress });
  } catch (error) {
    failures.kernel = (error as Error).message;
    progress(`kernel: ${failures.kernel}`);
  }
  timings.kernel = (performance.now() - started) / 1000;
}
if (wanted.has('qmc')) {
  progress('qmc: scrambled Sobol against pseudo-random on the reference option');
  const started = performance.now();
  results.qmc = benchQmc({ targets: [1e-3, 1e-4], seeds: quick ? 4 : 8, pseudoPaths: quick ? 2_000_000 : 8_000_000 });
  timings.qmc = (performance.now() - started) / 1000;
}
const stackSections = SECTIONS.filter((s) => wanted.has(s));
if (stackSections.length) Object.assign(results, await runStackSections(stackSections, { quick, progress, failures, timings, kernel: results.kernel }));

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  memoryGb: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()}`,
  node: process.version,
  commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || 'unknown',
};
const totalSeconds = (performance.now() - t0) / 1000;
const checks = benchChecks({ figures: results, sections: wanted, quick, totalSeconds });
const failedChecks = checks.filter((c) => !c.ok);
const report = { date: new Date().toISOString(), mode: quick ? 'quick' : 'full', machine, ...results, checks, failures, timings, totalSeconds };
mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n');

process.stdout.write(`\nAltus benchmarks (${report.mode}) on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${report.date}\n\n`);
process.stdout.write(renderTable(figureRows(results, machine.cores, checks)) + '\n');
for (const [section, message] of Object.entries(failures)) process.stdout.write(`\n${section} failed: ${message}\n`);
for (const c of failedChecks) process.stdout.write(`\nCHECK FAILED: ${c.name}: ${c.detail}\n`);
const steps = Object.entries(timings)
  .map(([step, seconds]) => `${step} ${seconds.toFixed(0)} s`)
  .join(', ');
process.stdout.write(`\nwritten to ${opts.out} (${totalSeconds.toFixed(0)} s: ${steps})\n`);
process.exit(Object.keys(failures).length || failedChecks.length ? 1 : 0);
