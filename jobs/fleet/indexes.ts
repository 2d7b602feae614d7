/**
 * Index sets in the Kubernetes Job status format: sorted, comma-separated,
 * consecutive runs compressed as ranges ("1,3-5,7"); and the split of a
 * re-dispatch's shard list into Jobs whose `ALTUS_SHARD_LIST` fits a pod.
 */
import { formatShardList, MAX_SHARD_LIST_BYTES } from '../../shared/shard-list.ts';

/** Formats a set of indexes as Kubernetes writes `completedIndexes` / `failedIndexes`. */
export function formatIndexes(indexes: Iterable<number>): string {
  // A sorted list without repeats, in the shard-list format, is an index set.
  return formatShardList([...new Set(indexes)].sort((a, b) => a - b));
}

/** Parses the Kubernetes index-set format back into indexes. */
export function parseIndexes(text: string | undefined): number[] {
  if (!text) return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    for (let i = from; i <= (to ?? from); i++) out.push(i);
  }
  return out;
}

/**
 * Splits a re-dispatch's shards (in Job index order) into consecutive parts whose
 * `ALTUS_SHARD_LIST` each fits in `maxBytes`: one part when it already does. A part
 * is one Job; parts end on range boundaries, so they encode as the whole list did.
 */
export function splitShardList(shards: readonly number[], maxBytes: number = MAX_SHARD_LIST_BYTES): number[][] {
  const parts: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (let i = 0; i < shards.length; ) {
    let j = i;
    while (j + 1 < shards.length && shards[j + 1] === shards[j]! + 1) j++;
    const run = shards.slice(i, j + 1);
    const runBytes = formatShardList(run).length;
    const added = (current.length ? 1 : 0) + runBytes;
    if (current.length && bytes + added > maxBytes) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    bytes += (current.length ? 1 : 0) + runBytes;
    current.push(...run);
    i = j + 1;
  }
  if (current.length) parts.push(current);
  return parts;
}
