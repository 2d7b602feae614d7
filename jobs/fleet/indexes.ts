/**
 * The split of a re-dispatch's shard list into Jobs whose `ALTUS_SHARD_LIST`
 * fits a pod (the format itself is shared/shard-list.ts).
 */
import { formatRun, MAX_SHARD_LIST_BYTES, shardRuns } from '../../shared/shard-list.ts';

/**
 * Splits a re-dispatch's shards (in Job index order) into consecutive parts whose
 * `ALTUS_SHARD_LIST` each fits in `maxBytes`: one part when it already does. A part
 * is one Job; parts end on range boundaries, so they encode as the whole list did.
 */
export function splitShardList(shards: readonly number[], maxBytes: number = MAX_SHARD_LIST_BYTES): number[][] {
  const parts: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const run of shardRuns(shards)) {
    const runBytes = formatRun(run).length;
    if (current.length && bytes + 1 + runBytes > maxBytes) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    bytes += (current.length ? 1 : 0) + runBytes;
    for (let shard = run[0]; shard <= run[1]; shard++) current.push(shard);
  }
  if (current.length) parts.push(current);
  return parts;
}
