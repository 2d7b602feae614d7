/**
 * NDJSON result rows, one line per parameter set (`{"index", "params", ...outputs}`,
 * or `error` instead of outputs), byte for byte `JSON.stringify` of the row:
 * the results format of runs that ask for `"results": {"format": "ndjson"}`.
 */
import { RowJson } from '../row-json.ts';
import { RowsFile, type StagedRows } from '../rows-file.ts';
import type { ShardRows } from './shard-rows.ts';

/** NDJSON rows in memory, spilling to a local file when large (rows-file.ts). */
export class NdjsonRows implements ShardRows {
  private readonly rows: RowsFile;
  private readonly json = new RowJson();
  private readonly names: readonly string[] | undefined;

  /** `names`: a built-in kernel's outputs in order; absent, a row keeps every field in the order written. */
  constructor(label: string, names: readonly string[] | undefined, tempDir?: string) {
    this.rows = new RowsFile(label, tempDir);
    this.names = names;
  }

  result(index: number, params: Record<string, unknown>, outputs: Record<string, unknown>): Promise<void> | undefined {
    const text = this.names ? this.json.result(index, params, outputs, this.names) : this.json.row({ index, params, ...outputs });
    return this.rows.add(text);
  }

  failure(index: number, params: Record<string, unknown> | null, error: string): Promise<void> | undefined {
    return this.rows.add(this.json.row({ index, params, error }));
  }

  close(): Promise<StagedRows> {
    return this.rows.close();
  }

  discard(): Promise<void> {
    return this.rows.discard();
  }
}
