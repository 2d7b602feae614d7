/**
 * A compact, mergeable quantile sketch: DDSketch (relative-error guarantee) from
 * `@datadog/sketches-js`, with a sparse serialization (its protobuf form stores
 * every bin between the extremes as a double, ~15 KB for one shard) and a merge
 * that also merges the negative store (the library's `merge` forgets it in 2.1.1).
 */
import { DDSketch } from '@datadog/sketches-js';

/** Relative accuracy: a reported quantile is within 0.5% of the true one (of the same rank). */
export const SKETCH_RELATIVE_ACCURACY = 0.005;

/** Serialized sketch: bins as [key delta, count] pairs, flattened, per sign. */
export interface EncodedSketch {
  /** Positive values. */
  p: number[];
  /** Negative values (by magnitude). */
  n: number[];
  /** Zeros. */
  z: number;
}

type Store = DDSketch['store'];

/** A new empty sketch at the project's accuracy. */
export function createSketch(): DDSketch {
  return new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
}

/** Sparse form of a sketch. */
export function encodeSketch(sketch: DDSketch): EncodedSketch {
  return { p: encodeStore(sketch.store), n: encodeStore(sketch.negativeStore), z: sketch.zeroCount };
}

/** Adds an encoded sketch's bins into `into` (exact: bin counts are integers). */
export function mergeEncodedSketch(into: DDSketch, encoded: EncodedSketch): void {
  const added = decodeStore(encoded.p, into.store) + decodeStore(encoded.n, into.negativeStore) + encoded.z;
  into.zeroCount += encoded.z;
  into.count += added;
}

/** The value at quantile q (0..1), or NaN for an empty sketch. */
export function sketchQuantile(sketch: DDSketch, q: number): number {
  return sketch.getValueAtQuantile(q);
}

function encodeStore(store: Store): number[] {
  const out: number[] = [];
  let last = 0;
  store.bins.forEach((count, i) => {
    if (count > 0) {
      const key = i + store.offset;
      out.push(key - last, count);
      last = key;
    }
  });
  return out;
}

function decodeStore(pairs: readonly number[], store: Store): number {
  if (pairs.length < 2) return 0;
  // The highest key first, then the lowest: the store takes its whole range in at most
  // two extensions. Added in ascending order, it re-centred its bins every few keys,
  // which made merging a run's sketches quadratic in their width (5 s for 20 shards
  // whose prices span 1e-143 to 62, ~16,000 bins).
  let maxKey = 0;
  for (let i = 0; i + 1 < pairs.length; i += 2) maxKey += pairs[i]!;
  const lastCount = pairs[pairs.length - 1]!;
  store.add(maxKey, lastCount);
  let key = 0;
  let total = lastCount;
  for (let i = 0; i + 3 < pairs.length; i += 2) {
    key += pairs[i]!;
    store.add(key, pairs[i + 1]!);
    total += pairs[i + 1]!;
  }
  return total;
}

/**
 * Builds a sketch's sparse form value by value, bin counts in hash maps: the same
 * bins as `createSketch().accept` then {@link encodeSketch}, at a fraction of the
 * cost. (The library's dense store re-centres its whole bin array whenever a value
 * falls below the smallest key so far, even inside the allocated range: a run of
 * decreasing values, common in a sweep over a grid, made it the worker's hot spot.)
 */
export class SketchBuilder {
  private readonly mapping = createSketch().mapping;
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();
  private zeros = 0;

  accept(value: number): void {
    const { mapping } = this;
    if (value > mapping.minPossible) bump(this.positive, mapping.key(value));
    else if (value < -mapping.minPossible) bump(this.negative, mapping.key(-value));
    else this.zeros += 1;
  }

  encode(): EncodedSketch {
    return { p: encodeBins(this.positive), n: encodeBins(this.negative), z: this.zeros };
  }
}

function bump(bins: Map<number, number>, key: number): void {
  bins.set(key, (bins.get(key) ?? 0) + 1);
}

function encodeBins(bins: Map<number, number>): number[] {
  const keys = Int32Array.from(bins.keys()).sort();
  const out: number[] = [];
  let last = 0;
  for (const key of keys) {
    out.push(key - last, bins.get(key)!);
    last = key;
  }
  return out;
}
