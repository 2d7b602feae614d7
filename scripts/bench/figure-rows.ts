/**
 * The table's rows: every figure under its latest.json name, each target of the
 * issue beside the figure it is about (met / not met), and the checks of what
 * was measured.
 */
import type { BenchCheck, BenchFigures } from './report.ts';
import type { Row } from './table.ts';

const fixed = (x: number, d = 2) => x.toFixed(d);
const int = (x: number) => Math.round(x).toLocaleString('en-US');

/** "met (≥ 0.9)" or "not met (≥ 0.9)". */
export function verdict(ok: boolean, target: string): string {
  return `${ok ? 'met' : 'not met'} (${target})`;
}

/** Rows for the figures that were measured, then one per check. */
export function figureRows(r: BenchFigures, cores: number, checks: readonly BenchCheck[]): Row[] {
  const out: Row[] = [];
  if (r.kernel) {
    const k = r.kernel;
    out.push([
      'kernel.tsMpathsPerSec',
      fixed(k.tsMpathsPerSec),
      '',
      `median of ${k.rounds} rounds × ${int(k.paths)} paths, core ${k.core ?? 'unpinned'}; price ${k.tsPrice} ± ${k.tsStdError.toExponential(1)}`,
    ]);
    out.push([
      'kernel.cMpathsPerSec',
      fixed(k.cMpathsPerSec),
      '',
      `mc_ref.c, ${k.compiler.replace(/^gcc \(.*?\) /, 'gcc ')} -O3 -march=native; price ${k.cPrice} (Black–Scholes ${fixed(k.closedForm, 5)})`,
    ]);
    out.push(['kernel.ratio', fixed(k.ratio, 3), verdict(k.ratio >= 0.9, '≥ 0.9'), 'TypeScript / native, A/B alternated']);
    const a = k.aggregateCost;
    out.push([
      'kernel.aggregateCost.exactSumsNsPerValue',
      fixed(a.exactSumsNsPerValue, 1),
      '',
      `exact Σx and Σx² per metric value (float Welford moments, as before: ${fixed(a.floatMomentsNsPerValue, 1)} ns)`,
    ]);
    out.push([
      'kernel.aggregateCost.accumulatorNsPerValue',
      fixed(a.accumulatorNsPerValue, 1),
      '',
      'all per-value statistics of a metric (exact sums, min, max, sketch)',
    ]);
    out.push([
      'kernel.aggregateCost.statisticsShareOfRow',
      fixed(a.statisticsShareOfRow, 3),
      '',
      `statistics of 6 outputs / whole black-scholes row (kernel ${fixed(a.blackScholesNsPerRow, 0)} ns/row), ${int(a.rows)} rows`,
    ]);
  }
  if (r.qmc) {
    const q = r.qmc;
    for (const t of q.targets) {
      out.push([
        `qmc.pathSpeedUp (SE ${t.targetStdError})`,
        fixed(t.pathSpeedUp, 0),
        '',
        `${q.option}: pseudo-random ${int(t.pseudoPaths)} paths, Sobol (${q.scramblings} scramblings) ${int(t.sobolPaths)}; in CPU time ×${fixed(t.timeSpeedUp, 0)}`,
      ]);
    }
    out.push(['qmc.sobolNsPerPath', fixed(q.sobolNsPerPath, 1), '', `pseudo-random ${fixed(q.pseudoNsPerPath, 1)} ns/path (both antithetic)`]);
  }
  if (r.pipeline) {
    const p = r.pipeline;
    out.push(['pipeline.parameters', int(p.parameters), '', `european-option-mc, ${int(p.paths)} paths each, ${p.shards} shards`]);
    out.push(['pipeline.wallSeconds', fixed(p.wallSeconds), '', 'upload to SUCCEEDED']);
    out.push([
      'pipeline.kernelCpuSeconds',
      fixed(p.kernelCpuSeconds),
      verdict(p.kernelCpuSeconds >= p.targetCpuSeconds, `≥ ${p.targetCpuSeconds} s of compute`),
      "sum of the shards' CPU seconds",
    ]);
    out.push(['pipeline.efficiency', fixed(p.efficiency, 3), verdict(p.efficiency >= 0.9, '≥ 0.9'), `kernel CPU / (wall × ${cores} cores)`]);
  }
  if (r.grid) {
    const g = r.grid;
    const target = g.parameters >= 10_000_000 ? verdict(g.wallSeconds <= 40, '≤ 40 s') : `not judged at ${int(g.parameters)} (≤ 40 s is for 10M)`;
    out.push(['grid.parameters', int(g.parameters), '', `black-scholes grid, shardSize ${int(g.shardSize)}`]);
    out.push(['grid.wallSeconds', fixed(g.wallSeconds), target, 'upload to SUCCEEDED']);
    out.push(['grid.parametersPerSec', int(g.parametersPerSec), '', `10M would take ≈ ${fixed(1e7 / g.parametersPerSec, 0)} s at this rate`]);
    out.push([
      'grid.shardCpuSeconds',
      fixed(g.shardCpuSeconds, 1),
      '',
      `the shards' CPU: ${fixed((g.shardCpuSeconds * 1e6) / g.parameters, 2)} µs per parameter set`,
    ]);
  }
  if (r.results) {
    const x = r.results;
    out.push(['results.bytesPerRow', fixed(x.bytesPerRow, 1), '', `the grid run's Parquet dataset, ${int(x.rows)} rows`]);
    out.push(['results.queryMillis', fixed(x.queryMillis, 0), '', `altus results --sql (DuckDB): ${x.query}`]);
  }
  if (r.controlPlane) out.push(...controlPlaneRows(r.controlPlane));
  if (r.memory) {
    const m = r.memory;
    out.push(['memory.parameters', int(m.parameters), '', 'NDJSON parameter file lines']);
    out.push([
      'memory.workerPeakRssMb',
      fixed(m.workerPeakRssMb, 0),
      verdict(m.workerPeakRssMb < 256, '< 256'),
      `peak RSS of a worker pod process (shardSize ${int(m.shardSize)})`,
    ]);
    out.push(['memory.ingestPeakRssMb', fixed(m.ingestPeakRssMb, 0), verdict(m.ingestPeakRssMb < 256, '< 256'), 'peak RSS of the ingest function process']);
  }
  if (r.scaling?.length) {
    const first = r.scaling[0]!;
    for (const s of r.scaling) {
      const growth = `×${fixed(s.parameters / first.parameters, 0)} parameters, ×${fixed(s.wallSeconds / first.wallSeconds, 1)} wall`;
      out.push([
        `scaling[${int(s.parameters)}].wallSeconds`,
        fixed(s.wallSeconds),
        '',
        `${int(s.parametersPerSec)} parameters/s; ${growth} vs ${int(first.parameters)}`,
      ]);
    }
  }
  for (const c of checks) out.push([`check: ${c.name}`, c.ok ? 'ok' : 'FAILED', c.ok ? 'passed' : 'FAILED', c.detail]);
  return out;
}

/** Aggregate requests beyond the one the formula counts: as many as completions can finish a run together (the emulator pushes two at a time). */
const REPEATED_AGGREGATE_REQUESTS = 2;

/** The flat figures (the slower mode's), judged on both modes, with each mode's value beside. */
function controlPlaneRows(c: NonNullable<BenchFigures['controlPlane']>): Row[] {
  const each = (value: (m: (typeof c.modes)[number]) => string) => c.modes.map((m) => `${m.mode} ${value(m)}`).join(', ');
  const all = (ok: (m: (typeof c.modes)[number]) => boolean) => c.modes.every(ok);
  const slower = `slower mode (${c.slowerMode})`;
  const clusters = c.modes[0]?.clusters ?? 0;
  const formula = (key: 'pubsubMessages' | 'firestoreWrites') => `${c.modes[0]?.formula[key]} = ${int(c.modes[0]?.expected[key] ?? 0)}`;
  return [
    [
      'controlPlane.shards',
      int(c.shards),
      verdict(
        all((m) => m.rowsChecked === c.shards),
        'none lost or doubled, both modes',
      ),
      `trivial kernel, 1 set per shard, ${clusters} clusters; results read back: ${each((m) => `${int(m.rowsChecked)} indexes once`)}`,
    ],
    [
      'controlPlane.seconds',
      fixed(c.seconds),
      verdict(
        all((m) => m.seconds <= 60),
        '≤ 60 s, both modes',
      ),
      `${slower}; ${each((m) => `${fixed(m.seconds, 1)} s`)} (upload or publish to SUCCEEDED)`,
    ],
    ['controlPlane.completionsPerSec', fixed(c.completionsPerSec, 1), '', `${slower}; ${each((m) => `${fixed(m.completionsPerSec, 1)}/s`)}`],
    [
      'controlPlane.pubsubMessages',
      int(c.pubsubMessages),
      // The last completions of a run may arrive together and each ask for the aggregate (at-least-once, harmless).
      verdict(
        all((m) => m.pubsubMessages >= m.expected.pubsubMessages && m.pubsubMessages <= m.expected.pubsubMessages + REPEATED_AGGREGATE_REQUESTS),
        `${formula('pubsubMessages')} (+ ≤ ${REPEATED_AGGREGATE_REQUESTS} repeated aggregate requests), both modes`,
      ),
      `${slower}; ${each((m) => int(m.pubsubMessages))}`,
    ],
    [
      'controlPlane.firestoreWrites',
      int(c.firestoreWrites),
      verdict(
        all((m) => Math.abs(m.firestoreWrites - m.expected.firestoreWrites) <= 1),
        `${formula('firestoreWrites')}, both modes`,
      ),
      `${slower}; ${each((m) => int(m.firestoreWrites))}`,
    ],
    [
      'controlPlane.kubernetesCalls',
      int(c.kubernetesCalls),
      verdict(
        all((m) => m.kubernetesCalls <= m.expected.kubernetesCalls),
        '≤ C + C × reconcile ticks + 3C, both modes',
      ),
      `${slower}; ${each((m) => `${int(m.kubernetesCalls)} (≤ ${int(m.expected.kubernetesCalls)}, ${m.formula.kubernetesCalls})`)}`,
    ],
    [
      'controlPlane.podTurnoverPerSec',
      fixed(c.podTurnoverPerSec, 1),
      '',
      `real pods on the local Kubernetes control plane: ${int(c.podTurnoverPods)} one-set shards, upload to SUCCEEDED (the rows above use a load generator in place of pods)`,
    ],
  ];
}
