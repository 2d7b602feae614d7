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
  let key = 0;
  let total = 0;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    key += pairs[i]!;
    store.add(key, pairs[i + 1]!);
    total += pairs[i + 1]!;
  }
  return total;
}
