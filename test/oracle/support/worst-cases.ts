/**
 * Comparison against the oracle with a tolerance per output, and a failure message
 * that shows the worst cases with their inputs (what a reviewer needs to reproduce).
 */

/** |ours − reference| allowed: `relative`·|reference| + `absolute`·scale(case). */
export interface Tolerance<C> {
  /** A fraction, or one per case (an output whose conditioning varies across the domain). */
  relative: number | ((item: C) => number);
  absolute: number;
  /** The case's natural size for this output (e.g. the spot for a price); 1 when absent. */
  scale?: (item: C) => number;
}

/** One output's comparison over every case. */
export interface Deviation<C> {
  output: string;
  /** Cases whose deviation exceeds the tolerance. */
  failures: number;
  /** Largest deviation / tolerance (≤ 1 passes). */
  worstRatio: number;
  /** Largest |ours − reference| / scale. */
  worstScaled: number;
  /** Largest |ours − reference| / |reference| over references of at least 1e-8 × scale (below, relative error says little). */
  worstRelative: number;
  /** The worst cases by deviation / tolerance, with inputs. */
  worst: { item: C; ours: number; reference: number; ratio: number }[];
}

/** Compares `ours[i][output]` with `reference[i][output]` for every case. */
export function compareOutput<C>(
  output: string,
  items: readonly C[],
  ours: readonly Record<string, number>[],
  reference: readonly Record<string, number>[],
  tolerance: Tolerance<C>,
  show = 5,
): Deviation<C> {
  const rows = items.map((item, i) => {
    const a = ours[i]![output]!;
    const b = reference[i]![output]!;
    const scale = tolerance.scale?.(item) ?? 1;
    const relative = typeof tolerance.relative === 'number' ? tolerance.relative : tolerance.relative(item);
    const allowed = relative * Math.abs(b) + tolerance.absolute * scale;
    const difference = Math.abs(a - b);
    const ratio = difference === 0 ? 0 : Number.isFinite(difference) ? difference / allowed : Infinity;
    const relativeDeviation = Math.abs(b) >= 1e-8 * scale && Math.abs(b) >= 2 ** -1022 ? difference / Math.abs(b) : 0;
    return { item, ours: a, reference: b, ratio, scaled: difference / scale, relative: relativeDeviation };
  });
  const sorted = [...rows].sort((x, y) => y.ratio - x.ratio);
  return {
    output,
    failures: rows.filter((r) => !(r.ratio <= 1)).length,
    worstRatio: sorted[0]?.ratio ?? 0,
    worstScaled: Math.max(...rows.map((r) => r.scaled)),
    worstRelative: Math.max(...rows.map((r) => r.relative)),
    worst: sorted.slice(0, show).map(({ item, ours: o, reference: r, ratio }) => ({ item, ours: o, reference: r, ratio })),
  };
}

/** A failure message: how many cases missed and the worst ones with their inputs. */
export function describeWorst<C>(deviation: Deviation<C>, of: number): string {
  const lines = deviation.worst.map((w) => `  ours ${w.ours} vs oracle ${w.reference} (${w.ratio.toExponential(2)} × tolerance) for ${JSON.stringify(w.item)}`);
  return `${deviation.output}: ${deviation.failures} of ${of} cases outside the tolerance; worst:\n${lines.join('\n')}`;
}
