/**
 * Commands about runs, registered on the main program: `watch` (progress until
 * the run ends), `runs` (the latest runs), `results` (a run's results file as a
 * table, CSV or NDJSON, or its top rows by a metric) and `logs` (worker logs:
 * the local files, or the Cloud Logging query in the cloud). Each works on the
 * local stack, or with `--cloud` on the deployment in ALTUS_PROJECT_ID.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createFirestore, createObjectStore } from '../../shared/clients.ts';
import { parseRuntimeConfig } from '../../shared/config.ts';
import type { RunDocument } from '../../shared/documents.ts';
import { RESULTS_TABLE } from '../../shared/results-query.ts';
import { FirestoreRunStore, type RunStore } from '../../shared/run-store.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { overallProgress, summarizeRun } from '../../shared/run-progress.ts';
import { FirestoreShardQueries, type ShardQueries } from '../../shared/shard-queries.ts';
import type { StackInfo } from '../stack/state.ts';
import { exitCodeFor, UsageError } from './exit-codes.ts';
import { followRun } from './follow.ts';
import { printableLogLine, renderRunsTable } from './run-listing.ts';
import { renderRun } from './render.ts';
import { Columns, csvRecord, RESULT_FORMATS, renderTable, TABLE_ROWS, topRows, type ResultFormat, type ResultRow } from './results-output.ts';
import type { SqlRow } from './results-table.ts';
import { openResults, SQL_HELP_EXAMPLE } from './results-source.ts';
import { requireStack } from './stack-control.ts';
import { cloudLogQuery, localLogFiles, podSlots } from './worker-logs.ts';
import { terminalText } from '../../shared/terminal-text.ts';

/** Where the commands find runs: the local stack, or the deployment. */
interface RunContext {
  runs: RunStore;
  shards: ShardQueries;
  store: ObjectStore;
  stack?: StackInfo;
}

type Env = Record<string, string | undefined>;

function runContext(home: string, env: Env, cloud: boolean | undefined): RunContext {
  if (cloud) {
    const config = parseRuntimeConfig({ ALTUS_STORAGE: 'gcs', ...env });
    const db = createFirestore({ projectId: config.projectId });
    return { runs: new FirestoreRunStore(db), shards: new FirestoreShardQueries(db), store: createObjectStore(config.storage) };
  }
  const stack = requireStack(home);
  const db = createFirestore({ projectId: stack.projectId, firestoreEmulatorHost: stack.firestoreEmulatorHost });
  return { runs: new FirestoreRunStore(db), shards: new FirestoreShardQueries(db), store: createObjectStore({ kind: 'local', root: stack.storageDir }), stack };
}

async function requireRun(runs: RunStore, runId: string): Promise<RunDocument> {
  const run = await runs.getRun(runId);
  if (!run) throw new UsageError(`no run ${runId}`);
  return run;
}

function positiveInt(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option} must be a positive integer`);
  return n;
}

/** Writes to stdout, waiting when the pipe is full; a reader that went away (`| head`) ends the output quietly. */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

/** Registers watch, runs, results and logs. */
export function registerRunCommands(program: Command, options: { home: string; env: Env }): void {
  const { home, env } = options;

  program
    .command('watch <runId>')
    .description('follow a run until it ends: progress bars per cluster on a terminal, plain lines otherwise (stderr)')
    .option('--json', 'print the final run document as one JSON object')
    .option('--timeout <seconds>', 'give up waiting after this long', '86400')
    .option('--cloud', 'the deployment in ALTUS_PROJECT_ID instead of the local stack')
    .action(async (runId: string, o: { json?: boolean; timeout: string; cloud?: boolean }) => {
      const ctx = runContext(home, env, o.cloud);
      await requireRun(ctx.runs, runId);
      const run = await followRun(ctx.runs, runId, { timeoutSeconds: positiveInt(o.timeout, '--timeout')!, shards: ctx.shards });
      await write((o.json ? JSON.stringify(run) : renderRun(run)) + '\n');
      process.exitCode = exitCodeFor(run.status);
    });

  program
    .command('runs')
    .description('the latest runs, newest first: status, shards, parameters, start, duration')
    .option('--json', 'as one JSON array')
    .option('--limit <n>', 'how many', '20')
    .option('--cloud', 'the deployment in ALTUS_PROJECT_ID instead of the local stack')
    .action(async (o: { json?: boolean; limit: string; cloud?: boolean }) => {
      const ctx = runContext(home, env, o.cloud);
      const now = new Date();
      const runs = await ctx.runs.listRuns(positiveInt(o.limit, '--limit')!);
      const summaries = await Promise.all(runs.map(async (r) => summarizeRun(r, await overallProgress(r, ctx.shards), now)));
      await write((o.json ? JSON.stringify(summaries) : renderRunsTable(summaries)) + '\n');
    });

  program
    .command('results <runId>')
    .description("a run's results: a table (the first 50 rows), CSV or NDJSON (every row), the top N rows by a metric, or the answer to --sql")
    .option('--format <format>', `${RESULT_FORMATS.join(', ')}`, 'table')
    .option('--top <n>', 'only the n rows with the largest --by metric, largest first')
    .option('--by <metric>', 'the metric --top ranks by')
    .option('--sql <query>', `SQL over the run's rows, the table ${RESULTS_TABLE} (DuckDB, on this machine)`)
    .option('--cloud', 'the deployment in ALTUS_PROJECT_ID instead of the local stack')
    .addHelpText('after', `\nExample:\n${SQL_HELP_EXAMPLE}\n`)
    .action(async (runId: string, o: { format: string; top?: string; by?: string; sql?: string; cloud?: boolean }) => {
      if (!(RESULT_FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format must be one of ${RESULT_FORMATS.join(', ')}`);
      const top = positiveInt(o.top, '--top');
      if ((top === undefined) !== (o.by === undefined)) throw new UsageError('--top and --by go together: --top 10 --by price');
      if (o.sql !== undefined && top !== undefined)
        throw new UsageError('--sql answers with its own rows: put ORDER BY … LIMIT n in the query instead of --top');
      const ctx = runContext(home, env, o.cloud);
      const run = await requireRun(ctx.runs, runId);
      if (!run.results) throw new UsageError(`run ${runId} has no results yet (${run.status})`);
      const metrics = Object.keys(run.aggregates ?? {});
      if (o.by !== undefined && metrics.length && !metrics.includes(o.by)) throw new UsageError(`--by ${o.by}: the run's metrics are ${metrics.join(', ')}`);
      const source = await openResults(ctx.store, run);
      try {
        if (o.sql !== undefined) await printSqlAnswer(o.format as ResultFormat, await source.sql(o.sql));
        else await printResults(o.format as ResultFormat, () => source.rows(), top === undefined ? undefined : { n: top, metric: o.by! });
      } finally {
        await source.close();
      }
    });

  program
    .command('logs <runId>')
    .description("a run's worker logs (one shard's with --shard); in the cloud, the Cloud Logging query that finds them")
    .option('--shard <n>', 'only this shard (every pod that computed it, every try)')
    .option('--json', 'the log lines as the worker wrote them (JSON)')
    .option('--cloud', 'print the Cloud Logging query and gcloud command for the deployment in ALTUS_PROJECT_ID')
    .action(async (runId: string, o: { shard?: string; json?: boolean; cloud?: boolean }) => {
      const shard = o.shard === undefined ? undefined : Number(o.shard);
      if (shard !== undefined && (!Number.isInteger(shard) || shard < 0)) throw new UsageError('--shard must be a shard number');
      if (o.cloud) {
        const query = cloudLogQuery(parseRuntimeConfig({ ALTUS_STORAGE: 'gcs', ...env }).projectId, runId, shard);
        await write(`# Logs Explorer query\n${query.filter}\n\n# from a shell\n${query.command}\n\n# in the console\n${query.consoleUrl}\n`);
        return;
      }
      const ctx = runContext(home, env, false);
      const run = await requireRun(ctx.runs, runId);
      if (shard !== undefined && shard >= run.counts.shards) throw new UsageError(`run ${runId} has shards 0..${run.counts.shards - 1}`);
      const podsDir = join(ctx.stack!.logDir, 'pods');
      const files = localLogFiles(podsDir, run, podSlots(run, shard));
      if (!files.length)
        throw new UsageError(`no worker logs for ${shard === undefined ? `run ${runId}` : `shard ${shard} of ${runId}`} under ${join(podsDir, runId)}`);
      for (const f of files) {
        await write(`==> shard ${f.shard} · ${f.cluster} · attempt ${f.attempt} · Job ${f.job} index ${f.index} · try ${f.try} <==\n`);
        const lines = readFileSync(f.path, 'utf8').split('\n').filter(Boolean);
        await write(lines.map((l) => printableLogLine(l, o.json ?? false)).join('\n') + (lines.length ? '\n' : ''));
      }
    });
}

async function printResults(format: ResultFormat, rows: () => AsyncIterable<ResultRow>, top?: { n: number; metric: string }): Promise<void> {
  const columns = new Columns();
  if (top || format === 'table') {
    const limit = top?.n ?? TABLE_ROWS;
    const picked: ResultRow[] = [];
    let more = false;
    if (top) picked.push(...(await topRows(rows(), top.n, top.metric)));
    else {
      for await (const row of rows()) {
        if (picked.length === limit) {
          more = true;
          break;
        }
        picked.push(row);
      }
    }
    for (const r of picked) columns.add(r);
    if (format === 'table') await write(renderTable(columns, picked) + '\n');
    else if (format === 'csv') await write([csvRecord(columns.names()), ...picked.map((r) => csvRecord(columns.cells(r)))].join('\n') + '\n');
    else await write(picked.map((r) => terminalText(JSON.stringify(r))).join('\n') + (picked.length ? '\n' : ''));
    if (more) process.stderr.write(`(the first ${limit} rows; --format csv or ndjson for every row, --top N --by <metric> for the largest)\n`);
    return;
  }
  if (format === 'ndjson') {
    for await (const row of rows()) await write(terminalText(JSON.stringify(row)) + '\n');
    return;
  }
  // CSV of every row: one pass for the columns (parameter keys can differ between rows), one to write.
  for await (const row of rows()) columns.add(row);
  await write(csvRecord(columns.names()) + '\n');
  for await (const row of rows()) await write(csvRecord(columns.cells(row)) + '\n');
}

/** A --sql answer: a table (the first rows), or every row as CSV or NDJSON. */
async function printSqlAnswer(format: ResultFormat, answer: { columns: string[]; rows: AsyncGenerator<SqlRow> }): Promise<void> {
  const columns = { names: () => answer.columns, cells: (row: SqlRow) => answer.columns.map((c) => row[c]) };
  if (format === 'ndjson') {
    for await (const row of answer.rows) await write(terminalText(JSON.stringify(row)) + '\n');
    return;
  }
  if (format === 'csv') {
    await write(csvRecord(answer.columns) + '\n');
    for await (const row of answer.rows) await write(csvRecord(columns.cells(row)) + '\n');
    return;
  }
  const picked: SqlRow[] = [];
  let more = false;
  for await (const row of answer.rows) {
    if (picked.length === SQL_TABLE_ROWS) {
      more = true;
      break;
    }
    picked.push(row);
  }
  await write(renderTable(columns, picked) + '\n');
  if (more) process.stderr.write(`(the first ${SQL_TABLE_ROWS} rows of the answer; --format csv or ndjson for all)\n`);
}

/** Rows a --sql answer shows as a table. */
const SQL_TABLE_ROWS = 1000;
