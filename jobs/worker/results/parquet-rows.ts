/**
 * Parquet result rows: one part of the run's dataset per shard, one row group,
 * Snappy-compressed, with the columns the plan fixed (results-schema.ts). Rows go
 * straight into typed column arrays (no per-row text: formatting doubles was the
 * dearest part of an NDJSON row), and the part is encoded once at the end by
 * hyparquet-writer. The same rows give the same bytes.
 *
 * Memory: 8 bytes per row per numeric column (a 100,000-row shard of 14 numeric
 * columns holds ~11 MB, off the V8 heap), text columns as arrays, and the encoded
 * part (~50 bytes per row).
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { FIXED_COLUMNS, valueType } from '../../planning/results-schema.ts';
import type { ResultsSchema } from '../../../shared/run-plan.ts';
import type { StagedRows } from '../rows-file.ts';
import type { ShardRows } from './shard-rows.ts';

type ColumnSource = Parameters<typeof parquetWriteBuffer>[0]['columnData'][number];

/** A nullable DOUBLE column: values plus the rows that have none. */
class DoubleColumn {
  readonly values: Float64Array;
  private nulls: Uint8Array | undefined;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  set(row: number, value: number): void {
    this.values[row] = value;
  }

  setNull(row: number): void {
    // biome-ignore lint/suspicious/noAssignInExpressions: the null bitmap is allocated on the first use, in the per-row hot path
    (this.nulls ??= new Uint8Array(this.values.length))[row] = 1;
  }

  /** The column's data for the writer: the typed array itself unless some row is null. */
  data(count: number): Float64Array | (number | null)[] {
    const values = this.values.subarray(0, count);
    const nulls = this.nulls;
    if (!nulls) return values;
    const out = new Array<number | null>(count);
    for (let i = 0; i < count; i++) out[i] = nulls[i] ? null : values[i]!;
    return out;
  }
}

/** A nullable STRING or BOOLEAN column. */
class ValueColumn<T> {
  readonly values: (T | null)[];
  constructor(capacity: number) {
    this.values = new Array<T | null>(capacity).fill(null);
  }
}

/** Collects a shard's rows in columns; {@link close} encodes the Parquet part. */
export class ParquetRows implements ShardRows {
  private readonly schema: ResultsSchema;
  private readonly capacity: number;
  private readonly keepUndeclared: boolean;
  private readonly index: Float64Array;
  private readonly params: (DoubleColumn | ValueColumn<string | boolean>)[];
  private readonly paramColumn = new Map<string, number>();
  private readonly outputs: DoubleColumn[];
  private readonly outputColumn = new Map<string, number>();
  private errors: (string | null)[] | undefined;
  /** The JSON column's values as objects: the writer encodes them (a string would be encoded again, as a JSON string). */
  private extras: (Record<string, unknown> | null)[] | undefined;
  private count = 0;

  /**
   * `capacity`: the shard's row count. `keepUndeclared`: a custom kernel's rows keep
   * the fields it wrote beyond the declared outputs (in `extra`); a built-in
   * kernel's rows hold its outputs only.
   */
  constructor(schema: ResultsSchema, capacity: number, keepUndeclared: boolean) {
    this.schema = schema;
    this.capacity = capacity;
    this.keepUndeclared = keepUndeclared;
    this.index = new Float64Array(capacity);
    this.params = schema.params.map((p, i) => {
      this.paramColumn.set(p.key, i);
      return p.type === 'DOUBLE' ? new DoubleColumn(capacity) : new ValueColumn<string | boolean>(capacity);
    });
    this.outputs = schema.outputs.map((o, i) => {
      this.outputColumn.set(o.key, i);
      return new DoubleColumn(capacity);
    });
  }

  result(index: number, params: Record<string, unknown>, outputs: Record<string, unknown>): undefined {
    const row = this.next(index);
    const extraParams = this.putParams(row, params);
    let extraOutputs: Record<string, unknown> | undefined;
    const declared = this.schema.outputs;
    for (let i = 0; i < declared.length; i++) {
      const value = outputs[declared[i]!.key];
      if (typeof value === 'number') this.outputs[i]!.set(row, value);
      else {
        this.outputs[i]!.setNull(row);
        // biome-ignore lint/suspicious/noAssignInExpressions: the extra outputs object is allocated on the first use, in the per-row hot path
        if (value !== undefined) (extraOutputs ??= {})[declared[i]!.key] = value;
      }
    }
    if (this.keepUndeclared) {
      for (const key in outputs) {
        // biome-ignore lint/suspicious/noAssignInExpressions: the extra outputs object is allocated on the first use, in the per-row hot path
        if (Object.hasOwn(outputs, key) && !this.outputColumn.has(key)) (extraOutputs ??= {})[key] = outputs[key];
      }
    }
    this.putExtra(row, extraParams, extraOutputs);
    return undefined;
  }

  failure(index: number, params: Record<string, unknown> | null, error: string): undefined {
    const row = this.next(index);
    const extraParams = params === null ? undefined : this.putParams(row, params);
    if (params === null) for (const column of this.params) if (column instanceof DoubleColumn) column.setNull(row);
    for (const column of this.outputs) column.setNull(row);
    // biome-ignore lint/suspicious/noAssignInExpressions: the error column is allocated on the first use, in the per-row hot path
    (this.errors ??= new Array<string | null>(this.capacity).fill(null))[row] = error;
    this.putExtra(row, extraParams, undefined);
    return undefined;
  }

  async close(): Promise<StagedRows> {
    const n = this.count;
    const columnData: ColumnSource[] = [
      // Only the index carries min/max statistics: what a reader prunes parts by (the rest cost 7% of a shard's CPU).
      { name: FIXED_COLUMNS.index, data: this.index.subarray(0, n), type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED', statistics: true },
      ...this.schema.params.map((p, i): ColumnSource => {
        const column = this.params[i]!;
        const data = column instanceof DoubleColumn ? column.data(n) : column.values.slice(0, n);
        return { name: p.column, data, type: p.type };
      }),
      // Outputs rarely repeat: plain values, no dictionary attempt.
      ...this.schema.outputs.map((o, i): ColumnSource => ({ name: o.column, data: this.outputs[i]!.data(n), type: 'DOUBLE', encoding: 'PLAIN' })),
      { name: FIXED_COLUMNS.error, data: this.errors?.slice(0, n) ?? nulls(n), type: 'STRING' },
      { name: FIXED_COLUMNS.extra, data: this.extras?.slice(0, n) ?? nulls(n), type: 'JSON' },
    ];
    // One row group and one page per column (pageSize 0): a part is read whole, and page splitting costs a pass per column.
    const bytes = parquetWriteBuffer({ columnData, codec: 'SNAPPY', statistics: false, pageSize: 0, rowGroupSize: Math.max(1, n), createdBy: 'altus' });
    return { rows: Buffer.from(bytes) };
  }

  async discard(): Promise<void> {}

  private next(index: number): number {
    if (this.count === this.capacity) throw new Error(`the shard has more rows than its ${this.capacity} parameter sets`);
    const row = this.count++;
    this.index[row] = index;
    return row;
  }

  /** Puts each parameter in its column; returns those that fit none (no column, or another type). */
  private putParams(row: number, params: Record<string, unknown>): Record<string, unknown> | undefined {
    let extra: Record<string, unknown> | undefined;
    let placed = 0;
    for (const key in params) {
      if (!Object.hasOwn(params, key)) continue;
      const value = params[key];
      if (value === undefined) continue;
      const i = this.paramColumn.get(key);
      if (i !== undefined && valueType(value) === this.schema.params[i]!.type) {
        const column = this.params[i]!;
        if (column instanceof DoubleColumn) column.set(row, value as number);
        else column.values[row] = value as string | boolean;
        placed++;
      } else {
        // biome-ignore lint/suspicious/noAssignInExpressions: the extra params object is allocated on the first use, in the per-row hot path
        (extra ??= {})[key] = value;
      }
    }
    // Columns this row has no value for are null (typed columns hold 0 until told).
    if (placed < this.params.length) {
      for (let i = 0; i < this.params.length; i++) {
        const column = this.params[i]!;
        const key = this.schema.params[i]!.key;
        if (column instanceof DoubleColumn && !(Object.hasOwn(params, key) && typeof params[key] === 'number')) column.setNull(row);
      }
    }
    return extra;
  }

  private putExtra(row: number, params: Record<string, unknown> | undefined, outputs: Record<string, unknown> | undefined): void {
    if (!params && !outputs) return;
    const extra = { ...(params ? { params } : {}), ...(outputs ? { outputs } : {}) };
    // biome-ignore lint/suspicious/noAssignInExpressions: the extras column is allocated on the first use, in the per-row hot path
    (this.extras ??= new Array<Record<string, unknown> | null>(this.capacity).fill(null))[row] = extra;
  }
}

function nulls(n: number): null[] {
  return new Array<null>(n).fill(null);
}
