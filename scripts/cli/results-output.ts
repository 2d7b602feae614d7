/**
 * `altus results`: a run's results file (NDJSON, one row per parameter set) as a
 * table, CSV or NDJSON, optionally only the top N rows by a metric. Streams the
 * file; memory holds at most N rows (or the table's rows) and the column names.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { csvLine } from '../../shared/csv-cell.ts';
import { formatNumber } from '../../shared/display-format.ts';
import { readResultRow, type ResultRow } from '../../shared/result-row.ts';
import { terminalText } from '../../shared/terminal-text.ts';

/** One row of a results file. */
export type { ResultRow } from '../../shared/result-row.ts';

/** Output formats. */
export const RESULT_FORMATS = ['table', 'csv', 'ndjson'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** Rows a table shows when no `--top` is given. */
export const TABLE_ROWS = 50;

/** The rows of a results file, in file order. */
export async function* resultRows(input: Readable): AsyncGenerator<ResultRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    let number = 0;
    for await (const line of lines) {
      number++;
      if (line.trim()) yield readResultRow(line, `results line ${number}`);
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** The `n` rows with the largest `metric`, largest first (ties in index order); rows without it are skipped. */
export async function topRows(rows: AsyncIterable<ResultRow>, n: number, metric: string): Promise<ResultRow[]> {
  const kept: ResultRow[] = [];
  const value = (r: ResultRow) => r[metric] as number;
  for await (const row of rows) {
    if (typeof row[metric] !== 'number') continue;
    if (kept.length === n && value(row) <= value(kept[n - 1]!)) continue;
    // Binary search for the first kept row smaller than this one: equal values keep file order.
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (value(kept[mid]!) >= value(row)) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, row);
    if (kept.length > n) kept.pop();
  }
  return kept;
}

/** Column names: index, every parameter key (as `params.<key>`), every output, error. */
export class Columns {
  private readonly params = new Set<string>();
  private readonly outputs = new Set<string>();
  private errors = false;

  add(row: ResultRow): void {
    for (const key of Object.keys(row.params ?? {})) this.params.add(key);
    for (const key of Object.keys(row)) if (key !== 'index' && key !== 'params' && key !== 'error') this.outputs.add(key);
    if (row.error !== undefined) this.errors = true;
  }

  names(): string[] {
    return ['index', ...[...this.params].map((k) => `params.${k}`), ...this.outputs, ...(this.errors ? ['error'] : [])];
  }

  /** The row's cells in column order (undefined where it has no value). */
  cells(row: ResultRow): unknown[] {
    return this.names().map((name) => (name.startsWith('params.') ? row.params?.[name.slice(7)] : row[name]));
  }
}

/** One CSV record (RFC 4180 quoting; lists and objects as JSON; formulas and control characters neutralised: shared/csv-cell.ts). */
export function csvRecord(cells: readonly unknown[]): string {
  return csvLine(cells);
}

function tableCell(cell: unknown): string {
  if (cell === undefined || cell === null) return '';
  if (typeof cell === 'number') return Number.isInteger(cell) ? String(cell) : formatNumber(cell);
  const text = terminalText(typeof cell === 'object' ? JSON.stringify(cell) : String(cell));
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** Column names and a row's cells in their order: {@link Columns}, or a SQL answer's. */
export interface TableColumns<R> {
  names(): string[];
  cells(row: R): unknown[];
}

/** Rows as an aligned text table (numbers right-aligned). */
export function renderTable<R>(columns: TableColumns<R>, rows: readonly R[]): string {
  const header = columns.names().map((n) => n.replace(/^params\./, ''));
  const raw = rows.map((r) => columns.cells(r));
  const body = raw.map((cells) => cells.map(tableCell));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => raw.every((cells) => cells[i] === undefined || typeof cells[i] === 'number'));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}
