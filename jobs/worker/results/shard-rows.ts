/**
 * A shard's result rows, written in the run's results format. The worker's hot
 * loop hands each parameter set's outcome to a {@link ShardRows}; the format
 * decides the bytes (one Parquet part of the run's dataset, or NDJSON lines).
 * A new format is one file and one line in {@link RESULT_WRITERS}.
 */
import type { ResultsFormat } from '../../../shared/manifest.ts';
import { resultsFormat, shardRange, type RunPlan } from '../../../shared/run-plan.ts';
import type { StagedRows } from '../rows-file.ts';
import { NdjsonRows } from './ndjson-rows.ts';
import { ParquetRows } from './parquet-rows.ts';

/** Collects one shard's rows, in index order. */
export interface ShardRows {
  /**
   * A computed parameter set. `outputs` holds the declared outputs (finite numbers)
   * and, for a custom kernel, any other field it wrote. Returns a promise only when
   * the caller must wait (a buffer went to disk).
   */
  result(index: number, params: Record<string, unknown>, outputs: Record<string, unknown>): Promise<void> | undefined;
  /** A parameter set that failed: its parameters as read (null when unreadable) and the reason. */
  failure(index: number, params: Record<string, unknown> | null, error: string): Promise<void> | undefined;
  /** The finished rows, as bytes or a local file the caller uploads and removes. */
  close(): Promise<StagedRows>;
  /** Drops what was written (on failure). */
  discard(): Promise<void>;
}

/** What a writer needs to know about the shard. */
export interface ShardRowsOptions {
  plan: RunPlan;
  shard: number;
  /**
   * The built-in kernel's outputs, in order: only these are written. Absent for a
   * custom kernel, whose rows keep every field it wrote.
   */
  outputNames?: readonly string[];
  tempDir?: string;
}

/** Content type of a shard's result object. */
export const RESULT_CONTENT_TYPES: Record<ResultsFormat, string> = {
  parquet: 'application/vnd.apache.parquet',
  ndjson: 'application/x-ndjson',
};

const RESULT_WRITERS: Record<ResultsFormat, (options: ShardRowsOptions) => ShardRows> = {
  ndjson: (options) => new NdjsonRows(`${options.plan.runId}-${options.shard}`, options.outputNames, options.tempDir),
  parquet: (options) => {
    const { plan } = options;
    if (plan.results?.format !== 'parquet') throw new Error("a Parquet shard needs the plan's results schema");
    const { start, end } = shardRange(plan, options.shard);
    return new ParquetRows(plan.results.schema, end - start, options.outputNames === undefined);
  },
};

/** Opens the writer of the plan's results format for one shard. */
export function openShardRows(options: ShardRowsOptions): ShardRows {
  return RESULT_WRITERS[resultsFormat(options.plan)](options);
}
