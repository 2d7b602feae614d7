/**
 * What latest.json holds, and the checks run on it before it is written: the
 * figure names the issue asks for (exactly those names), and the conditions a
 * figure is only valid under (both kernels priced the same option alike, the
 * pipeline run had the compute it was sized for, --quick fits in 5 minutes).
 * A failed check is printed after the table and makes the exit code 1.
 */
import type { KernelFigures } from './kernel.ts';
import type { QmcFigures } from './qmc.ts';
import type { Section, StackFigures } from './sections.ts';

/** The figures of the sections that ran. */
export type BenchFigures = { kernel?: KernelFigures; qmc?: QmcFigures } & Partial<StackFigures>;

/** One check of what was measured. */
export interface BenchCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The figure names, by section (the scaling series is checked by its sizes). */
export const REQUIRED_FIGURES: Record<'kernel' | Exclude<Section, 'scaling'>, readonly string[]> = {
  kernel: ['kernel.tsMpathsPerSec', 'kernel.cMpathsPerSec', 'kernel.ratio'],
  memory: ['memory.workerPeakRssMb', 'memory.ingestPeakRssMb'],
  grid: ['grid.parameters', 'grid.wallSeconds', 'grid.parametersPerSec', 'results.bytesPerRow', 'results.queryMillis'],
  pipeline: ['pipeline.parameters', 'pipeline.wallSeconds', 'pipeline.kernelCpuSeconds', 'pipeline.efficiency'],
  controlPlane: [
    'controlPlane.shards',
    'controlPlane.seconds',
    'controlPlane.completionsPerSec',
    'controlPlane.pubsubMessages',
    'controlPlane.firestoreWrites',
    'controlPlane.kubernetesCalls',
    'controlPlane.podTurnoverPerSec',
  ],
};

/** The grid sizes of the scaling series (full bench only). */
export const SCALING_PARAMETERS = [1_000_000, 2_000_000, 5_000_000, 10_000_000] as const;

/** The longest `--quick` may take, in seconds. */
export const QUICK_LIMIT_SECONDS = 300;

/** Names of the wanted sections' figures that are not a finite number at exactly that path. */
export function missingFigures(figures: BenchFigures, sections: ReadonlySet<string>): string[] {
  const missing: string[] = [];
  for (const [section, names] of Object.entries(REQUIRED_FIGURES)) {
    if (!sections.has(section)) continue;
    for (const name of names) {
      const value = name.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], figures);
      if (typeof value !== 'number' || !Number.isFinite(value)) missing.push(name);
    }
  }
  if (sections.has('scaling')) {
    const sizes = (figures.scaling ?? []).filter((s) => Number.isFinite(s.wallSeconds)).map((s) => s.parameters);
    for (const size of SCALING_PARAMETERS) if (!sizes.includes(size)) missing.push(`scaling[parameters=${size}].wallSeconds`);
  }
  return missing;
}

/** The checks of what was measured; `totalSeconds` is the bench's wall time so far. */
export function benchChecks(input: { figures: BenchFigures; sections: ReadonlySet<string>; quick: boolean; totalSeconds: number }): BenchCheck[] {
  const { figures, sections, quick, totalSeconds } = input;
  const checks: BenchCheck[] = [];
  const missing = missingFigures(figures, sections);
  checks.push({
    name: 'figure names',
    ok: missing.length === 0,
    detail: missing.length ? `missing from latest.json: ${missing.join(', ')}` : 'every figure the issue names is in latest.json under that name',
  });
  const k = figures.kernel;
  if (k) {
    const w = k.priceCheck.worstStdErrors;
    const worst = `worst: TypeScript vs Black–Scholes ${w.tsVsBlackScholes.toFixed(1)}, native vs Black–Scholes ${w.cVsBlackScholes.toFixed(1)}, TypeScript vs native ${w.tsVsC.toFixed(1)} standard errors`;
    checks.push({
      name: 'kernel prices',
      ok: k.priceCheck.ok,
      detail: k.priceCheck.ok
        ? `every round within ${k.priceCheck.toleranceStdErrors} standard errors (${worst})`
        : `the two kernels did not compute the same thing: ${k.priceCheck.problems.join('; ')}`,
    });
  }
  const p = figures.pipeline;
  if (p) {
    checks.push({
      name: 'pipeline compute',
      ok: p.kernelCpuSeconds >= p.targetCpuSeconds,
      detail:
        p.kernelCpuSeconds >= p.targetCpuSeconds
          ? `${p.kernelCpuSeconds.toFixed(1)} s of kernel CPU, at least the ${p.targetCpuSeconds} s asked for`
          : `only ${p.kernelCpuSeconds.toFixed(1)} s of kernel CPU, short of the ${p.targetCpuSeconds} s the efficiency figure needs (the run is sized from the kernel section's speed; ${p.parameters} sets of ${p.paths} paths were not enough)`,
    });
  }
  if (quick) {
    checks.push({
      name: 'quick duration',
      ok: totalSeconds < QUICK_LIMIT_SECONDS,
      detail: `${totalSeconds.toFixed(0)} s ${totalSeconds < QUICK_LIMIT_SECONDS ? 'within' : 'OVER'} the ${QUICK_LIMIT_SECONDS} s --quick may take`,
    });
  }
  return checks;
}
