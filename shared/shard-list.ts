/**
 * The `ALTUS_SHARD_LIST` format: the global shards of a re-dispatched Job's
 * indexes, in index order, as comma-separated shard numbers and ranges of
 * consecutive ones (`0-99,105,200-299`: index 0 is shard 0, index 100 is shard
 * 105, index 101 is shard 200). A range is ascending, both ends included.
 *
 * Order is the meaning, so nothing here sorts: a list need not be ascending.
 * A Kubernetes index set (a Job's `completedIndexes`, `failedIndexes`) is the
 * same format, ascending without repeats, and may be empty: {@link parseIndexSet}.
 * The one encoder and the decoders of the format live here; nothing else splits it.
 */

/**
 * Longest value the Job builder writes. Linux refuses to start a process with one
 * environment string over 128 KiB (MAX_ARG_STRLEN); half of that leaves room for the
 * rest of the environment. Longer lists are split into several Jobs.
 */
export const MAX_SHARD_LIST_BYTES = 64 * 1024;

/** The runs of consecutive shards in order, as [first, last] pairs: `[5, 6, 7, 9, 3]` → `[5, 7], [9, 9], [3, 3]`. */
export function* shardRuns(shards: readonly number[]): Generator<[first: number, last: number]> {
  for (let i = 0; i < shards.length; ) {
    let j = i;
    while (j + 1 < shards.length && shards[j + 1] === shards[j]! + 1) j++;
    yield [shards[i]!, shards[j]!];
    i = j + 1;
  }
}

/** One run of the format: `5-7`, or `9` alone. */
export function formatRun([first, last]: readonly [number, number]): string {
  return first === last ? String(first) : `${first}-${last}`;
}

/** Consecutive runs in order: `[5, 6, 7, 9, 3]` → `5-7,9,3`. */
export function formatShardList(shards: readonly number[]): string {
  return Array.from(shardRuns(shards), formatRun).join(',');
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
  return decode(text, false);
}

/**
 * Parses a Kubernetes index set (`completedIndexes`, `failedIndexes`): the format
 * above, ascending without repeats; absent or empty is the empty set. Throws
 * {@link ShardListError} for anything else, rather than counting a garbled status.
 */
export function parseIndexSet(text: string | undefined): ShardList {
  return text ? decode(text, true) : EMPTY;
}

const EMPTY: ShardList = { length: 0, at: () => undefined, toArray: () => [] };

function decode(text: string, ascending: boolean): ShardList {
  const ranges: Array<{ from: number; count: number; startIndex: number }> = [];
  let length = 0;
  for (const part of text.split(',')) {
    const match = PART.exec(part);
    if (!match) throw new ShardListError(`"${part.slice(0, 40)}" is neither a shard number nor a range a-b`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new ShardListError(`"${part.slice(0, 40)}" is too large`);
    if (to < from) throw new ShardListError(`range ${part} is descending`);
    const previous = ranges[ranges.length - 1];
    if (ascending && previous && from <= previous.from + previous.count - 1) {
      throw new ShardListError(`"${part.slice(0, 40)}" does not come after ${previous.from + previous.count - 1}: an index set is ascending, each index once`);
    }
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
