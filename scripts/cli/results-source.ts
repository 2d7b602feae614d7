/**
 * Where `altus results` reads a run's rows: the NDJSON results file, or the
 * Parquet dataset opened as the SQL table `results` (results-table.ts). On the
 * local stack the dataset's folder is read in place; a cloud run's parts are
 * copied to a temporary folder first (removed when done).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunPlan } from '../../shared/run-plan.ts';
import type { RunDocument } from '../../shared/documents.ts';
import { RESULTS_TABLE } from '../../shared/results-query.ts';
import { objectUri, parseObjectUri, type ObjectStore } from '../../shared/storage/object-store.ts';
import { UsageError } from './exit-codes.ts';
import { resultRows, type ResultRow } from './results-output.ts';
import { ResultsTable, type SqlRow } from './results-table.ts';

/** A run's rows, however stored. */
export interface ResultsSource {
  /** Every row in index order, in the NDJSON row shape. */
  rows(): AsyncIterable<ResultRow>;
  /** Runs SQL over the rows (Parquet runs only). */
  sql(query: string): Promise<{ columns: string[]; rows: AsyncGenerator<SqlRow> }>;
  close(): Promise<void>;
}

/** Opens the run's results. */
export async function openResults(store: ObjectStore, run: RunDocument): Promise<ResultsSource> {
  const results = run.results!;
  if (results.format !== 'parquet') {
    return {
      rows: () => resultRows(store.readStream(results.uri)),
      sql: async () => {
        throw new UsageError(`run ${run.runId} wrote NDJSON results ("results": {"format": "ndjson"}); --sql reads Parquet runs`);
      },
      close: async () => {},
    };
  }
  if (!run.planUri) throw new UsageError(`run ${run.runId} has no plan`);
  const plan = readRunPlan(await store.read(run.planUri), run.planUri);
  if (plan.results?.format !== 'parquet') throw new UsageError(`run ${run.runId}'s plan has no Parquet schema`);
  const { schema } = plan.results;
  const copied = results.path ? undefined : await copyParts(store, results.uri);
  const table = await ResultsTable.open(results.path ?? copied!);
  return {
    rows: () => table.rows(schema),
    sql: (query) => table.query(query),
    close: async () => {
      table.close();
      if (copied) await rm(copied, { recursive: true, force: true });
    },
  };
}

/** Copies the dataset's parts to a fresh temporary folder. */
async function copyParts(store: ObjectStore, folderUri: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'altus-results-'));
  const { bucket } = parseObjectUri(folderUri.replace(/\/$/, ''));
  for (const name of await store.list(folderUri)) {
    if (!name.endsWith('.parquet')) continue;
    await writeFile(join(dir, name.slice(name.lastIndexOf('/') + 1)), await store.read(objectUri(bucket, name), { maxBytes: Number.MAX_SAFE_INTEGER }));
  }
  return dir;
}

/** The `--help` text's example, naming the table. */
export const SQL_HELP_EXAMPLE = `  altus results <runId> --sql "SELECT strike, AVG(price) AS price FROM ${RESULTS_TABLE} GROUP BY strike ORDER BY strike"

The run's rows are the table ${RESULTS_TABLE}: index, one column per parameter, one per
output, error, extra (JSON) and run_id. --format table, csv or ndjson applies to the answer.`;
