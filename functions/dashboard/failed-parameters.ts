/**
 * Failed parameter sets of a run, for the run page: the error rows of the first
 * shards that reported any, read from their result objects. Bounded in rows and
 * in objects read, so a ten-million-line run costs the same as a small one.
 */
import { createInterface } from 'node:readline';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import type { ShardQueries } from './shard-queries.ts';

/** One failed parameter set: its index, the reason and its parameters as read. */
export interface FailedParameterSet {
  index: number;
  shard: number;
  error: string;
  params: unknown;
}

/** Result objects read at most per request. */
export const MAX_SHARD_OBJECTS_READ = 20;

/** Up to `limit` failed parameter sets, in index order within the shards read. */
export async function failedParameterSets(
  deps: { shards: ShardQueries; store: ObjectStore },
  runId: string,
  limit: number,
): Promise<FailedParameterSet[]> {
  const shards = await deps.shards.withFailedParameters(runId, MAX_SHARD_OBJECTS_READ);
  const rows: FailedParameterSet[] = [];
  for (const shard of shards) {
    if (rows.length >= limit) break;
    if (shard.resultUri) rows.push(...(await errorRows(deps.store, shard.resultUri, shard.shard, limit - rows.length)));
  }
  return rows;
}

async function errorRows(store: ObjectStore, uri: string, shard: number, limit: number): Promise<FailedParameterSet[]> {
  const stream = store.readStream(uri);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const rows: FailedParameterSet[] = [];
  try {
    for await (const line of lines) {
      // Rows with outputs never carry an "error" key; skip parsing them.
      if (!line.includes('"error"')) continue;
      const row = JSON.parse(line) as { index: number; params?: unknown; error?: unknown };
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
