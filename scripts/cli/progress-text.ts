/**
 * Progress as text for the terminal: a rate over a sliding window (shards per
 * second, robust to the quiet start of a run), the ETA it implies, and the plain
 * one-line form used when stderr is not a terminal.
 */
import type { RunDocument } from '../../shared/documents.ts';
import { formatSeconds } from '../../shared/display-format.ts';
import { terminalText } from '../../shared/terminal-text.ts';
import { isTerminal, runDurationSeconds, type RunProgress, type ShardProgress } from '../../shared/run-progress.ts';

/** Shards done over the last `windowMilliseconds`. */
export class RateMeter {
  private readonly samples: Array<{ at: number; done: number }> = [];

  constructor(private readonly windowMilliseconds = 15_000) {}

  add(at: number, done: number): void {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMilliseconds) this.samples.shift();
  }

  /** Shards per second, or undefined until there is a second of history with progress in it. */
  perSecond(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 1000 || last.done <= first.done) return undefined;
    return ((last.done - first.done) * 1000) / (last.at - first.at);
  }
}

/** "3.2/s · ETA 12 s" (shards per second), with dashes until there is a rate to tell; "all shards in" while aggregating. */
export function describeRate(meter: RateMeter, progress: ShardProgress): string {
  if (progress.total > 0 && progress.done >= progress.total) return 'all shards in';
  const rate = meter.perSecond();
  if (rate === undefined) return '—/s · ETA —';
  return `${rate.toFixed(1)}/s · ETA ${formatSeconds((progress.total - progress.done) / rate)}`;
}

/** One plain line: status, shards, rate and ETA, then each cluster. */
export function progressLine(runId: string, run: RunDocument | null, progress: RunProgress | undefined, meter: RateMeter): string {
  if (!run) return `${runId} waiting for ingest`;
  if (!progress) return terminalText(`${runId} ${run.status}${run.error ? ` ${run.error.code}: ${run.error.message}` : ''}`);
  const ended = isTerminal(run);
  const clusters = progress.clusters.map((c) => `${c.cluster} ${c.done}/${c.total}${c.failed ? ` (${c.failed} failed)` : ''}`).join(' · ');
  return (
    `${runId} ${run.status} ${progress.done}/${progress.total} shards (${progress.failed} failed)` +
    (ended ? ` in ${formatSeconds(runDurationSeconds(run, new Date()))}` : ` · ${describeRate(meter, progress)}`) +
    (clusters ? ` · ${clusters}` : '')
  );
}
