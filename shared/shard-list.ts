/**
 * The `ALTUS_SHARD_LIST` format: the global shards of a re-dispatched Job's
 * indexes, in index order, as comma-separated shard numbers and ranges of
 * consecutive ones (`0-99,105,200-299`: index 0 is shard 0, index 100 is shard
 * 105, index 101 is shard 200). A range is ascending, both ends included.
 *
 * Order is the meaning, so nothing here sorts: unlike a Kubernetes index set
 * (`jobs/fleet/indexes.ts`), a list need not be ascending.
 */

/**
 * Longest value the Job builder writes. Linux refuses to start a process with one
 * environment string over 128 KiB (MAX_ARG_STRLEN); half of that leaves room for the
 * rest of the environment. Longer lists are split into several Jobs.
 */
export const MAX_SHARD_LIST_BYTES = 64 * 1024;

/** Consecutive runs in order: `[5, 6, 7, 9, 3]` → `5-7,9,3`. */
export function formatShardList(shards: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < shards.length; ) {
    let j = i;
    while (j + 1 < shards.length && shards[j + 1] === shards[j]! + 1) j++;
    parts.push(i === j ? String(shards[i]) : `${shards[i]}-${shards[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A parsed shard list: its length and the shard at each index, without expanding the ranges. */
export interface ShardList {
  readonly length: number;
  /** The shard at Job index `index` (0-based); undefined past the end. */
  at(index: number): number | undefined;
  /** Every shard, in index order. */
  toArray(): number[];
}

/** The value is not a shard list; the message says why. */
export class ShardListError extends Error {
  override readonly name = 'ShardListError';
}

const PART = /^(\d+)(?:-(\d+))?$/;

/** Parses the format above (a plain comma list is one too); throws {@link ShardListError}. */
export function parseShardList(text: string): ShardList {
  if (text === '') throw new ShardListError('the shard list is empty');
  const ranges: Array<{ from: number; count: number; startIndex: number }> = [];
  let length = 0;
  for (const part of text.split(',')) {
    const match = PART.exec(part);
    if (!match) throw new ShardListError(`"${part.slice(0, 40)}" is neither a shard number nor a range a-b`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new ShardListError(`"${part.slice(0, 40)}" is too large`);
    if (to < from) throw new ShardListError(`range ${part} is descending`);
    ranges.push({ from, count: to - from + 1, startIndex: length });
    length += to - from + 1;
  }
  return {
    length,
    at(index) {
      if (!Number.isInteger(index) || index < 0 || index >= length) return undefined;
      // Binary search over the ranges' start indexes.
      let lo = 0;
      let hi = ranges.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (ranges[mid]!.startIndex <= index) lo = mid;
        else hi = mid - 1;
      }
      const range = ranges[lo]!;
      return range.from + (index - range.startIndex);
    },
    toArray() {
      return ranges.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.from + i));
    },
  };
}
