/**
 * The benchmarks that go through the whole pipeline: a local stack of its own
 * (emulators, functions under the Functions Framework, the local fleet), metered
 * (ALTUS_METER_DIR: every process writes its operation counts and peak memory),
 * runs submitted the way a user submits them, timed from the upload (or the
 * publish) until the run document is terminal.
 */
import { ResultsTable } from '../cli/results-table.ts';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { PubSub } from '@google-cloud/pubsub';
import { createFirestore, createPubSub } from '../../shared/clients.ts';
import { TERMINAL_STATUSES, type RunDocument } from '../../shared/documents.ts';
import type { MeterCounter, MeterRecord } from '../../shared/metering.ts';
import { FirestoreRunStore } from '../../shared/run-store.ts';
import { down, up } from '../cli/stack-control.ts';
import { submitLocal } from '../cli/submit.ts';
import type { StackInfo } from '../stack/state.ts';

/** Counts summed over every process of the stack. */
export type MeterTotals = Record<MeterCounter, number>;

/** A finished benchmark run. */
export interface TimedRun {
  run: RunDocument;
  wallSeconds: number;
  /** Operations the run cost (difference of the stack's meters before and after). */
  operations: MeterTotals;
  /** The same, by process role. */
  operationsByRole: Record<string, number>;
}

export class BenchStack {
  private constructor(
    readonly info: StackInfo,
    private readonly meterDir: string,
    private readonly runs: FirestoreRunStore,
    private readonly pubsub: PubSub,
  ) {}

  /** Starts a fresh, metered stack in a temporary home. */
  static async start(progress: (text: string) => void): Promise<BenchStack> {
    const home = mkdtempSync(join(tmpdir(), 'altus-bench-'));
    const meterDir = join(home, 'meters');
    progress(`starting a local stack in ${home}`);
    // The control-plane section holds pod creation at quota 0 while a load generator stands in for pods:
    // reconcile must not take those Jobs for stalled ones (ALTUS_STALLED_JOB_SECONDS at its maximum).
    const { info } = await up(home, { env: { ALTUS_METER_DIR: meterDir, ALTUS_STALLED_JOB_SECONDS: '3600' }, onWait: () => {} });
    const endpoints = { projectId: info.projectId, firestoreEmulatorHost: info.firestoreEmulatorHost, pubsubEmulatorHost: info.pubsubEmulatorHost };
    return new BenchStack(info, meterDir, new FirestoreRunStore(createFirestore(endpoints)), createPubSub(endpoints));
  }

  /**
   * Stops the stack and deletes its home. `altus down` exports Firestore first, which
   * after the control plane's 20,000+ shard records took ~45 s of the bench's time: the
   * bench's documents are thrown away with the home, so they are cleared first (the
   * emulator's own reset endpoint), once every figure has been taken.
   */
  async stop(progress: (text: string) => void): Promise<void> {
    const [host, port] = this.info.firestoreEmulatorHost.split(':');
    try {
      const cleared = await fetch(`http://${host}:${port}/emulator/v1/projects/${this.info.projectId}/databases/(default)/documents`, {
        method: 'DELETE',
        signal: AbortSignal.timeout(30_000),
      });
      if (!cleared.ok) progress(`clearing Firestore before stopping failed (HTTP ${cleared.status}); the stop exports it all`);
    } catch (error) {
      progress(`clearing Firestore before stopping failed (${(error as Error).message}); the stop exports it all`);
    }
    await down(this.info.home);
    rmSync(this.info.home, { recursive: true, force: true });
  }

  /** Every process's latest meter record. */
  records(): MeterRecord[] {
    let files: string[];
    try {
      files = readdirSync(this.meterDir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    return files.flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(this.meterDir, f), 'utf8')) as MeterRecord];
      } catch {
        return []; // being rewritten
      }
    });
  }

  totals(): MeterTotals {
    const totals: MeterTotals = { pubsubMessages: 0, firestoreWrites: 0, kubernetesCalls: 0 };
    for (const r of this.records()) for (const [k, v] of Object.entries(r.counts)) totals[k as MeterCounter] += v ?? 0;
    return totals;
  }

  /** Counts by role ("collect.firestoreWrites": n), to see where operations come from. */
  byRole(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.records()) for (const [k, v] of Object.entries(r.counts)) out[`${r.role}.${k}`] = (out[`${r.role}.${k}`] ?? 0) + (v ?? 0);
    return out;
  }

  /** Highest peak RSS among the processes of a role, in MB. */
  peakRssMb(role: string): number {
    const peaks = this.records()
      .filter((r) => r.role === role)
      .map((r) => r.maxRssBytes);
    if (!peaks.length) throw new Error(`no meter record from any ${role} process`);
    return Math.max(...peaks) / 2 ** 20;
  }

  /**
   * Removes a finished run's files (its results, and its uploaded manifest folder)
   * and flushes the disk, so the next section does not pay for writing back the
   * gigabytes this one left dirty in the page cache.
   */
  discardRunFiles(run: RunDocument, extraPaths: readonly string[] = []): void {
    const results = join(this.info.storageDir, this.info.buckets.results);
    const paths = [join(results, 'runs', run.runId), join(results, 'results', `run_id=${run.runId}`), ...extraPaths];
    if (run.origin.kind === 'upload') paths.push(join(this.info.storageDir, run.origin.bucket, dirname(run.origin.object)));
    for (const path of paths) rmSync(path, { recursive: true, force: true });
    execFileSync('sync');
  }

  /** Uploads a manifest file and waits for its run. */
  async runUpload(manifestPath: string, options: RunOptions): Promise<TimedRun> {
    return this.timed(options, async () => (await submitLocal(this.info, manifestPath)).runId);
  }

  /** Publishes a run request and waits for its run. */
  async runRequest(requestId: string, manifest: object, options: RunOptions): Promise<TimedRun> {
    return this.timed(options, async () => {
      await this.pubsub.topic(this.info.topics.runRequests).publishMessage({ json: { requestId, manifest } });
      return requestId;
    });
  }

  private async timed(options: RunOptions, submit: () => Promise<string>): Promise<TimedRun> {
    const before = await this.settledTotals();
    const roleBefore = this.byRole();
    const started = Date.now();
    const runId = await submit();
    const run = await this.waitForRun(runId, options);
    // Until the moment the run document says it ended (its finishedAt, on this machine's clock), not
    // until the listener heard of it.
    const finished = run.finishedAt ? Date.parse(run.finishedAt) : Number.NaN;
    const wallSeconds = ((Number.isFinite(finished) && finished >= started ? finished : Date.now()) - started) / 1000;
    const after = await this.settledTotals();
    const operationsByRole = Object.fromEntries(
      Object.entries(this.byRole())
        .map(([k, v]) => [k, v - (roleBefore[k] ?? 0)])
        .filter(([, v]) => v !== 0),
    );
    const operations = { pubsubMessages: 0, firestoreWrites: 0, kubernetesCalls: 0 };
    for (const k of Object.keys(operations) as MeterCounter[]) operations[k] = after[k] - before[k];
    if (run.status !== 'SUCCEEDED') {
      throw new Error(`benchmark run ${runId} ended ${run.status}: ${run.error?.message ?? 'no error recorded'} (logs: ${this.info.logDir})`);
    }
    return { run, wallSeconds, operations, operationsByRole };
  }

  /** Totals once no process has written a record for a while (the pipeline's last messages are out). */
  private async settledTotals(): Promise<MeterTotals> {
    let last = JSON.stringify(this.totals());
    for (let stable = 0; stable < 3; ) {
      await sleep(400);
      const now = JSON.stringify(this.totals());
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    return JSON.parse(last) as MeterTotals;
  }

  /**
   * Waits on a Firestore listener, not by polling: a 200 ms poll of a 50 s run costs the
   * emulator and this process a few percent of a two-core machine, taken from the very
   * pods whose efficiency the pipeline section measures.
   */
  private waitForRun(runId: string, options: RunOptions): Promise<RunDocument> {
    return new Promise<RunDocument>((resolve, reject) => {
      const started = Date.now();
      let latest: RunDocument | null = null;
      let settled = false;
      let stop: (() => void) | undefined;
      const settle = (how: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(report);
        clearTimeout(timeout);
        stop?.();
        how();
      };
      const report = setInterval(() => {
        if (latest) {
          options.progress(`${options.label}: ${latest.status}, ${latest.counts.shards ?? '?'} shards, ${((Date.now() - started) / 1000).toFixed(0)} s`);
        }
      }, 5000);
      const timeout = setTimeout(
        () => settle(() => reject(new Error(`benchmark run ${runId} did not finish within ${options.timeoutSeconds} s (logs: ${this.info.logDir})`))),
        options.timeoutSeconds * 1000,
      );
      stop = this.runs.watchRun(
        runId,
        (run) => {
          latest = run;
          if (run && TERMINAL_STATUSES.includes(run.status)) settle(() => resolve(run));
        },
        (error) => settle(() => reject(new Error(`watching run ${runId} failed: ${error.message}`, { cause: error }))),
      );
      if (settled) stop();
    });
  }
}

export interface RunOptions {
  label: string;
  timeoutSeconds: number;
  progress: (text: string) => void;
}

/**
 * Checks a run's results file holds each parameter index exactly once (none lost,
 * none doubled); returns how many rows it read.
 */
export async function checkEveryIndexOnce(run: RunDocument, parameters: number): Promise<number> {
  if (!run.results?.path) throw new Error(`run ${run.runId} has no local results file`);
  const seen = new Uint8Array(parameters);
  let rows = 0;
  for await (const [index, line] of resultIndexes(run.results.path, run.results.format ?? 'ndjson')) {
    if (!(index >= 0 && index < parameters)) throw new Error(`results row with an index outside 0..${parameters - 1}: ${line.slice(0, 120)}`);
    if (seen[index]) throw new Error(`parameter index ${index} appears twice in the results`);
    seen[index] = 1;
    rows++;
  }
  if (rows !== parameters) throw new Error(`the results hold ${rows} rows for ${parameters} parameter sets`);
  return rows;
}

/** Each row's index (and its text, for a message): the NDJSON file's lines, or the Parquet dataset's index column. */
async function* resultIndexes(path: string, format: 'parquet' | 'ndjson'): AsyncGenerator<[number, string]> {
  if (format === 'ndjson') {
    for await (const line of createInterface({ input: createReadStream(path) })) if (line) yield [Number(/"index":(\d+)/.exec(line)?.[1]), line];
    return;
  }
  const table = await ResultsTable.open(path);
  try {
    for await (const row of (await table.query('SELECT "index" FROM results')).rows) yield [Number(row.index), JSON.stringify(row)];
  } finally {
    table.close();
  }
}

/** Writes a manifest as a JSON file in `dir`, for an upload; returns its path. */
export function writeManifest(dir: string, name: string, manifest: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(manifest, null, 2));
  return path;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
