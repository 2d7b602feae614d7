/**
 * Failed parameter sets of a run, for the run page: the error rows of the first
 * shards that reported any, read from their result objects. Bounded in rows and
 * in objects read, so a ten-million-line run costs the same as a small one.
 */
import { createInterface } from 'node:readline';
import { parquetReadObjects } from 'hyparquet';
import type { FailedParameterSet } from '../../shared/dashboard-api.ts';
import { readExtraColumn, readResultRow } from '../../shared/result-row.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import type { ShardQueries } from '../../shared/shard-queries.ts';

/** Result objects read at most per request. */
export const MAX_SHARD_OBJECTS_READ = 20;

/** Up to `limit` failed parameter sets, in index order within the shards read. */
export async function failedParameterSets(deps: { shards: ShardQueries; store: ObjectStore }, runId: string, limit: number): Promise<FailedParameterSet[]> {
  const shards = await deps.shards.withFailedParameters(runId, MAX_SHARD_OBJECTS_READ);
  const rows: FailedParameterSet[] = [];
  for (const shard of shards) {
    if (rows.length >= limit) break;
    if (shard.resultUri) rows.push(...(await errorRows(deps.store, shard.resultUri, shard.shard, limit - rows.length)));
  }
  return rows;
}

async function errorRows(store: ObjectStore, uri: string, shard: number, limit: number): Promise<FailedParameterSet[]> {
  return uri.endsWith('.parquet') ? parquetErrorRows(store, uri, shard, limit) : ndjsonErrorRows(store, uri, shard, limit);
}

/** A failed set's row has no outputs: its non-null columns besides index, error and extra are its parameters (plus extra.params). */
async function parquetErrorRows(store: ObjectStore, uri: string, shard: number, limit: number): Promise<FailedParameterSet[]> {
  const bytes = await store.read(uri, { maxBytes: MAX_PART_BYTES });
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  return rows
    .filter((row) => typeof row.error === 'string')
    .slice(0, limit)
    .map((row) => {
      const params: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) if (!PART_COLUMNS.has(key) && value !== null && value !== undefined) params[key] = value;
      const extra = readExtraColumn(row.extra, `the extra column of row ${String(row.index)} of shard ${shard}`);
      return { index: Number(row.index), shard, error: row.error as string, params: { ...params, ...extra.params } };
    });
}

/** Columns of a part that are not parameters. */
const PART_COLUMNS = new Set(['index', 'error', 'extra']);
/** A part is ~50 bytes a row: 100,000 rows fit well within this. */
const MAX_PART_BYTES = 64 << 20;

async function ndjsonErrorRows(store: ObjectStore, uri: string, shard: number, limit: number): Promise<FailedParameterSet[]> {
  const stream = store.readStream(uri);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const rows: FailedParameterSet[] = [];
  try {
    for await (const line of lines) {
      // Rows with outputs never carry an "error" key; skip parsing them.
      if (!line.includes('"error"')) continue;
      const row = readResultRow(line, `a results line of shard ${shard}`);
      if (typeof row.error !== 'string') continue;
      rows.push({ index: row.index, shard, error: row.error, params: row.params ?? null });
      if (rows.length >= limit) break;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return rows;
}
