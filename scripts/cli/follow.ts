/**
 * Following a run until it ends: a progress bar on a TTY (shards done/failed/total,
 * rate, ETA), plain periodic lines otherwise, always on stderr so stdout stays
 * clean for `--json`.
 */
import cliProgress from 'cli-progress';
import { TERMINAL_STATUSES, type RunDocument } from '../../shared/documents.ts';
import type { RunStore } from '../../shared/run-store.ts';
import { sleep } from '../stack/processes.ts';
import { UsageError } from './exit-codes.ts';

/** Options of {@link followRun}. */
export interface FollowOptions {
  timeoutSeconds: number;
  pollMilliseconds?: number;
  stream?: NodeJS.WriteStream;
  /** Show progress at all (false for quiet runs). */
  progress?: boolean;
}

/** Polls the run document and shard count until the run is terminal; resolves to the final document. */
export async function followRun(runs: RunStore, runId: string, options: FollowOptions): Promise<RunDocument> {
  const stream = options.stream ?? process.stderr;
  const poll = options.pollMilliseconds ?? 500;
  const started = Date.now();
  const tty = Boolean(stream.isTTY) && options.progress !== false;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: ' {status} |{bar}| {value}/{total} shards · {failed} failed · {rate}/s · ETA {eta_formatted}', stream, hideCursor: true, etaBuffer: 20 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let lastLine = 0;
  let barStarted = false;
  try {
    for (;;) {
      const run = await runs.getRun(runId);
      if (run && TERMINAL_STATUSES.includes(run.status)) {
        if (bar && barStarted) bar.update(run.counts.shardsSucceeded + run.counts.shardsFailed, { status: run.status });
        return run;
      }
      if (run && run.counts.shards > 0) {
        const done = await runs.countShards(runId);
        const failed = done > 0 ? await runs.countShards(runId, 'failed') : 0;
        const seconds = (Date.now() - started) / 1000;
        const rate = seconds > 0 ? (done / seconds).toFixed(1) : '0';
        if (bar) {
          if (!barStarted) {
            bar.start(run.counts.shards, done, { status: run.status, failed, rate });
            barStarted = true;
          }
          bar.update(done, { status: run.status, failed, rate });
        } else if (options.progress !== false && Date.now() - lastLine >= 5000) {
          stream.write(`${new Date().toISOString()} ${runId} ${run.status} ${done}/${run.counts.shards} shards (${failed} failed) ${rate} shards/s\n`);
          lastLine = Date.now();
        }
      } else if (!bar && options.progress !== false && Date.now() - lastLine >= 5000) {
        stream.write(`${new Date().toISOString()} ${runId} ${run?.status ?? 'waiting for ingest'}\n`);
        lastLine = Date.now();
      }
      if (Date.now() - started > options.timeoutSeconds * 1000) {
        throw new UsageError(`run ${runId} did not finish within ${options.timeoutSeconds} s (it may still be running: \`altus status ${runId}\`)`);
      }
      await sleep(poll);
    }
  } finally {
    bar?.stop();
  }
}
