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
import { benchKernel, type KernelFigures } from './kernel.ts';
import { SECTIONS, runStackSections, type Section, type StackFigures } from './sections.ts';
import { renderTable, type Row } from './table.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const program = new Command('bench')
  .description('Altus benchmarks: kernel vs native, pipeline efficiency, grid throughput, control plane, memory')
  .option('--quick', 'smaller sizes, under 5 minutes (every figure, no scaling series)')
  .addOption(new Option('--only <sections>', `comma-separated subset of: ${['kernel', ...SECTIONS].join(', ')}`))
  .option('--mc-ref <path>', 'the native reference', join(ROOT, '../shared/bench/mc_ref.c'))
  .option('--out <file>', 'where to write the JSON', join(ROOT, 'scripts/bench/results/latest.json'))
  .parse();
const opts = program.opts<{ quick?: boolean; only?: string; mcRef: string; out: string }>();
const quick = Boolean(opts.quick);
const wanted = new Set(opts.only ? opts.only.split(',').map((s) => s.trim()) : ['kernel', ...SECTIONS.filter((s) => !quick || s !== 'scaling')]);
for (const s of wanted) {
  if (s !== 'kernel' && !SECTIONS.includes(s as Section)) program.error(`unknown section "${s}"; choose from kernel, ${SECTIONS.join(', ')}`);
}

const progress = (text: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
const t0 = performance.now();
const results: { kernel?: KernelFigures } & Partial<StackFigures> = {};
const failures: Record<string, string> = {};

if (wanted.has('kernel')) {
  progress('kernel: compiling the native reference and alternating rounds on one core');
  try {
    results.kernel = await benchKernel({ source: opts.mcRef, paths: quick ? 20_000_000 : 40_000_000, rounds: quick ? 5 : 9, progress });
  } catch (error) {
    failures.kernel = (error as Error).message;
    progress(`kernel: ${failures.kernel}`);
  }
}
const stackSections = SECTIONS.filter((s) => wanted.has(s));
if (stackSections.length) Object.assign(results, await runStackSections(stackSections, { quick, progress, failures, kernel: results.kernel }));

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  memoryGb: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()}`,
  node: process.version,
  commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || 'unknown',
};
const report = { date: new Date().toISOString(), mode: quick ? 'quick' : 'full', machine, ...results, failures, totalSeconds: (performance.now() - t0) / 1000 };
mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n');

process.stdout.write(`\nAltus benchmarks (${report.mode}) on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${report.date}\n\n`);
process.stdout.write(renderTable(rows(report)) + '\n');
for (const [section, message] of Object.entries(failures)) process.stdout.write(`\n${section} failed: ${message}\n`);
process.stdout.write(`\nwritten to ${opts.out} (${report.totalSeconds.toFixed(0)} s)\n`);
process.exit(Object.keys(failures).length ? 1 : 0);

function rows(r: typeof report): Row[] {
  const out: Row[] = [];
  const fixed = (x: number, d = 2) => x.toFixed(d);
  const int = (x: number) => Math.round(x).toLocaleString('en-US');
  if (r.kernel) {
    const k = r.kernel;
    out.push(['kernel.tsMpathsPerSec', fixed(k.tsMpathsPerSec), '', `median of ${k.rounds} rounds × ${int(k.paths)} paths, core ${k.core ?? 'unpinned'}; price ${k.tsPrice}`]);
    out.push(['kernel.cMpathsPerSec', fixed(k.cMpathsPerSec), '', `mc_ref.c, ${k.compiler.replace(/^gcc \(.*?\) /, 'gcc ')} -O3 -march=native; price ${k.cPrice} (closed form ${k.closedForm})`]);
    out.push(['kernel.ratio', fixed(k.ratio, 3), verdict(k.ratio >= 0.9, '≥ 0.9'), 'TypeScript / native, A/B alternated']);
  }
  if (r.pipeline) {
    const p = r.pipeline;
    out.push(['pipeline.parameters', int(p.parameters), '', `european-option-mc, ${int(p.paths)} paths each, ${p.shards} shards`]);
    out.push(['pipeline.wallSeconds', fixed(p.wallSeconds), '', 'upload to SUCCEEDED']);
    out.push(['pipeline.kernelCpuSeconds', fixed(p.kernelCpuSeconds), '', 'sum of the shards\' CPU seconds']);
    out.push(['pipeline.efficiency', fixed(p.efficiency, 3), verdict(p.efficiency >= 0.9, '≥ 0.9'), `kernel CPU / (wall × ${machine.cores} cores)`]);
  }
  if (r.grid) {
    const g = r.grid;
    out.push(['grid.parameters', int(g.parameters), '', `black-scholes grid, shardSize ${int(g.shardSize)}`]);
    out.push(['grid.wallSeconds', fixed(g.wallSeconds), g.parameters >= 10_000_000 ? verdict(g.wallSeconds <= 60, '≤ 60 s') : '(target at 10M)', 'upload to SUCCEEDED']);
    out.push(['grid.parametersPerSec', int(g.parametersPerSec), '', `10M would take ≈ ${fixed(1e7 / g.parametersPerSec, 0)} s at this rate`]);
  }
  if (r.controlPlane) {
    for (const c of r.controlPlane.modes) {
      const tag = `controlPlane[${c.mode}]`;
      out.push([`${tag}.shards`, int(c.shards), '', `trivial kernel, 1 parameter set per shard, ${c.clusters} clusters; every index once in the results`]);
      out.push([`${tag}.seconds`, fixed(c.seconds), verdict(c.seconds <= 60, '≤ 60 s'), c.mode === 'upload' ? 'upload to SUCCEEDED' : 'publish to SUCCEEDED']);
      out.push([`${tag}.completionsPerSec`, fixed(c.completionsPerSec, 1), '', '']);
      out.push([`${tag}.pubsubMessages`, int(c.pubsubMessages), verdict(c.pubsubMessages === c.expected.pubsubMessages, `= ${int(c.expected.pubsubMessages)}`), c.formula.pubsubMessages]);
      out.push([`${tag}.firestoreWrites`, int(c.firestoreWrites), verdict(c.firestoreWrites === c.expected.firestoreWrites, `= ${int(c.expected.firestoreWrites)}`), c.formula.firestoreWrites]);
      out.push([`${tag}.kubernetesCalls`, int(c.kubernetesCalls), verdict(c.kubernetesCalls <= c.expected.kubernetesCalls, `≤ ${int(c.expected.kubernetesCalls)}`), c.formula.kubernetesCalls]);
    }
  }
  if (r.memory) {
    const m = r.memory;
    out.push(['memory.parameters', int(m.parameters), '', 'NDJSON parameter file lines']);
    out.push(['memory.workerPeakRssMb', fixed(m.workerPeakRssMb, 0), verdict(m.workerPeakRssMb < 256, '< 256'), `peak RSS of a worker pod process (shardSize ${int(m.shardSize)})`]);
    out.push(['memory.ingestPeakRssMb', fixed(m.ingestPeakRssMb, 0), verdict(m.ingestPeakRssMb < 256, '< 256'), 'peak RSS of the ingest function process']);
  }
  if (r.scaling) {
    for (const s of r.scaling) out.push([`scaling[${int(s.parameters)}].wallSeconds`, fixed(s.wallSeconds), '', `${int(s.parametersPerSec)} parameters/s`]);
  }
  return out;
}

function verdict(ok: boolean, target: string): string {
  return `${ok ? 'met' : 'MISSED'} (${target})`;
}
