/**
 * A run's Parquet dataset as one SQL table, `results`, in an in-process DuckDB:
 * what `altus results` reads rows from (in index order, back in the NDJSON row
 * shape so table, CSV and NDJSON output are as they were) and what `--sql` queries.
 * The dataset's folder must be on this machine (a cloud run's parts are fetched first).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { join } from 'node:path';
import type { ResultsSchema } from '../../shared/run-plan.ts';
import { readExtraColumn } from '../../shared/result-row.ts';
import { RESULTS_TABLE } from '../../shared/results-query.ts';
import type { ResultRow } from './results-output.ts';

/** One row of a query's answer, with plain JSON values (integers past 2^53 as text). */
export type SqlRow = Record<string, unknown>;

/** The folder's Parquet parts, opened as the view {@link RESULTS_TABLE}. */
export class ResultsTable {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** Opens the dataset in `folder` (every `*.parquet` in it). */
  static async open(folder: string): Promise<ResultsTable> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const files = join(folder, '*.parquet').replace(/'/g, "''");
    await connection.run(`CREATE VIEW ${RESULTS_TABLE} AS SELECT * FROM read_parquet('${files}')`);
    return new ResultsTable(instance, connection);
  }

  /** Runs `sql`; returns its column names and streams its rows. */
  async query(sql: string): Promise<{ columns: string[]; rows: AsyncGenerator<SqlRow> }> {
    const result = await this.connection.stream(sql);
    const columns = result.columnNames();
    async function* rows(): AsyncGenerator<SqlRow> {
      for await (const batch of result.yieldRowObjectJs()) for (const row of batch) yield plainRow(row);
    }
    return { columns, rows: rows() };
  }

  /** Every row in index order, in the NDJSON row shape (`params` nested, outputs at top level, `error`). */
  async *rows(schema: ResultsSchema): AsyncGenerator<ResultRow> {
    const { rows } = await this.query(`SELECT * FROM ${RESULTS_TABLE} ORDER BY "index"`);
    for await (const row of rows) yield nestedRow(row, schema);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** A Parquet row back in the shape of an NDJSON results line. */
export function nestedRow(row: SqlRow, schema: ResultsSchema): ResultRow {
  const extra = readExtraColumn(row.extra, `the extra column of row ${String(row.index)}`);
  const params: Record<string, unknown> = {};
  for (const p of schema.params) if (row[p.column] !== null && row[p.column] !== undefined) params[p.key] = row[p.column];
  Object.assign(params, extra.params);
  const error = typeof row.error === 'string' ? row.error : undefined;
  const out: ResultRow = { index: Number(row.index), params };
  if (error !== undefined) {
    out.error = error;
    return out;
  }
  for (const o of schema.outputs) if (typeof row[o.column] === 'number') out[o.key] = row[o.column];
  Object.assign(out, extra.outputs);
  return out;
}

function plainRow(row: Record<string, unknown>): SqlRow {
  const out: SqlRow = {};
  for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
  return out;
}

function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === 'object') return plainRow(value as Record<string, unknown>);
  return value;
}
