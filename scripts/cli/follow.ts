/**
 * Following a run until it ends: on a terminal, progress bars (the run's shards
 * done/failed/total with rate and ETA, then one bar per worker cluster); plain
 * periodic lines otherwise. Always on stderr, so stdout stays clean for `--json`.
 */
import cliProgress from 'cli-progress';
import type { RunDocument } from '../../shared/documents.ts';
import type { RunStore } from '../../shared/run-store.ts';
import { terminalText } from '../../shared/terminal-text.ts';
import { isTerminal, runProgress, type RunProgress } from '../../shared/run-progress.ts';
import type { ShardQueries } from '../../shared/shard-queries.ts';
import { sleep } from '../stack/processes.ts';
import { UsageError } from './exit-codes.ts';
import { describeRate, progressLine, RateMeter } from './progress-text.ts';
import { runStoreShardQueries } from './shard-progress.ts';

/** Options of {@link followRun}. */
export interface FollowOptions {
  timeoutSeconds: number;
  pollMilliseconds?: number;
  stream?: NodeJS.WriteStream;
  /** Show progress at all (false for quiet runs). */
  progress?: boolean;
  /** Per-cluster counts by aggregation queries; by default they come from the run store's shard records. */
  shards?: ShardQueries;
  /** Seconds between plain progress lines when the stream is not a terminal. */
  lineSeconds?: number;
}

/** Polls the run until it is terminal; resolves to the final document. */
export async function followRun(runs: RunStore, runId: string, options: FollowOptions): Promise<RunDocument> {
  const stream = options.stream ?? process.stderr;
  const poll = options.pollMilliseconds ?? 500;
  const shards = options.shards ?? runStoreShardQueries(runs);
  const started = Date.now();
  const show = options.progress !== false;
  const view = show && stream.isTTY ? new BarsView(stream) : undefined;
  const meter = new RateMeter();
  let lastLine = 0;
  let lastStatus = '';
  try {
    for (;;) {
      const run = await runs.getRun(runId);
      const progress = run && run.counts.shards > 0 ? await runProgress(run, shards) : undefined;
      if (progress) meter.add(Date.now(), progress.done);
      const ended = run !== null && isTerminal(run);
      if (view) view.draw(run, progress, meter);
      else if (show && (ended || run?.status !== lastStatus || Date.now() - lastLine >= (options.lineSeconds ?? 5) * 1000)) {
        stream.write(`${new Date().toISOString()} ${progressLine(runId, run, progress, meter)}\n`);
        lastLine = Date.now();
        lastStatus = run?.status ?? '';
      }
      if (run && ended) return run;
      if (Date.now() - started > options.timeoutSeconds * 1000) {
        throw new UsageError(`run ${runId} did not finish within ${options.timeoutSeconds} s (it may still be running: \`altus watch ${runId}\`)`);
      }
      await sleep(poll);
    }
  } finally {
    view?.stop();
  }
}

/** cli-progress bars: the run first, then one per cluster (added as clusters appear). */
class BarsView {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: ' {label} {bar} {text}',
        // Room for a 25-character label and a 55-character status on the line; the bar takes the rest.
        barsize: Math.max(10, Math.min(40, (stream.columns ?? 100) - 84)),
        hideCursor: true,
        clearOnComplete: false,
        autopadding: false,
        fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  draw(run: RunDocument | null, progress: RunProgress | undefined, meter: RateMeter): void {
    const overall = progress ?? { total: 0, done: 0, failed: 0, clusters: [] };
    const name = terminalText(run?.name ?? 'run');
    const clusterLabels = overall.clusters.map((c) => `${c.cluster}${c.region ? ` (${c.region})` : ''}`);
    // Cluster bars are indented by two under the run's bar; every bar starts in the same column.
    const width = Math.max(name.length, ...clusterLabels.map((l) => l.length + 2));
    const status = run?.status ?? 'waiting for ingest';
    const ended = run !== null && isTerminal(run);
    const text = progress
      ? `${status} ${progress.done}/${progress.total} shards · ${progress.failed} failed${ended ? '' : ` · ${describeRate(meter, progress)}`}`
      : status;
    this.set('', name.padEnd(width), overall.total, overall.done, text);
    overall.clusters.forEach((c, i) => {
      this.set(c.cluster, `  ${clusterLabels[i]!.padEnd(width - 2)}`, c.total, c.done, `${c.done}/${c.total} · ${c.failed} failed`);
    });
  }

  stop(): void {
    this.multi.stop();
  }

  private set(key: string, label: string, total: number, done: number, text: string): void {
    const existing = this.bars.get(key);
    // A bar with nothing to count yet is drawn empty rather than full (cli-progress treats 0/0 as done).
    const shownTotal = Math.max(total, 1);
    if (!existing) {
      this.bars.set(key, this.multi.create(shownTotal, done, { label, text }));
      return;
    }
    existing.setTotal(shownTotal);
    existing.update(done, { label, text });
  }
}
