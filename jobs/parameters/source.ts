/**
 * The parameter-source contract: one kind of `parameters` block in a manifest
 * (`inline`, `file`, `grid`, `random`, …), everything the pipeline needs to know
 * about it in one object, registered by kind (registry.ts). Validation, planning,
 * the results schema, the worker and the CLI reach a source only through this
 * interface, so a new source is one file plus its registration.
 */
import { z } from 'zod';
import type { FileIndex } from '../../shared/run-plan.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';

/** One parameter set of a shard, or why it could not be read. */
export type ShardInput = { index: number; params: Record<string, unknown> } | { index: number; params: null; error: string };

/** The shard's input cannot be used at all (bad input: do not retry). */
export class ShardInputError extends Error {
  override readonly name = 'ShardInputError';
}

/** What a source tells validation without reading anything. */
export interface SourceInspection {
  /** Parameter sets the block yields; null when only planning can count them (a file is counted when indexed). */
  count: number | null;
  /**
   * Sets checked against a built-in kernel's parameter schema at validation, each
   * with its place in the manifest for the error (`parameters.inline.3`), and the
   * sets whose keys and value types plan the results' parameter columns. A source
   * whose sets share one shape gives its first set only.
   */
  samples: Array<{ where: string; params: Record<string, unknown> }>;
}

/** What indexing a source's object needs (planning, in ingest or run-request). */
export interface IndexContext {
  store: ObjectStore;
  /** Bucket a relative URI in the manifest is resolved in. */
  manifestsBucket: string;
  /** Object name of an uploaded manifest; null for a published one. */
  manifestObject: string | null;
  shardSize: number;
}

/** The slice of the source one shard reads: parameter indexes [start, end). */
export interface ShardSlice {
  shard: number;
  start: number;
  end: number;
  /** The index planning built, for a source that has {@link ParameterSource.index}. */
  file: FileIndex | undefined;
  store: ObjectStore;
}

/**
 * A kind of parameter source. `B` is the block's type after its schema (defaults
 * applied); the registry decodes a block with {@link schema} before calling any
 * method, so methods trust their block.
 */
export interface ParameterSource<B = unknown> {
  /** The key naming the source in the manifest's `parameters` block. */
  readonly kind: string;
  /** The block's schema: strict, with defaults; its issues are reported under `parameters.<kind>`. */
  readonly schema: z.ZodType<B>;
  /**
   * Checks the schema cannot state and counts the sets, without I/O. Throws a
   * PermanentError (e.g. `PARAMETERS_EMPTY`) for a block that cannot run.
   */
  inspect(block: B): SourceInspection;
  /**
   * For a source backed by an object: indexes it at planning (count and where each
   * shard starts), throwing a PermanentError a person can act on. Absent for a
   * generated source, which needs no index.
   */
  index?(block: B, context: IndexContext): Promise<FileIndex>;
  /** The shard's parameter sets in index order, a batch at a time; throws {@link ShardInputError} for unusable input. */
  read(block: B, slice: ShardSlice): AsyncIterable<ShardInput[]>;
  /** A file the CLI uploads with the manifest (a path relative to it), if the block names one. */
  localFile?(block: B): string | undefined;
}

/** Generated parameter sets per batch: a hot loop over a shard then awaits once a batch, not once a set. */
export const GENERATED_BATCH = 1024;

/** The sets [start, end) of a source that computes set i from i alone, in batches. */
export async function* generatedBatches(start: number, end: number, generate: (index: number) => Record<string, unknown>): AsyncGenerator<ShardInput[]> {
  for (let from = start; from < end; from += GENERATED_BATCH) {
    const batch: ShardInput[] = [];
    for (let i = from; i < Math.min(end, from + GENERATED_BATCH); i++) batch.push({ index: i, params: generate(i) });
    yield batch;
  }
}

/** A finite number, for a source's schema (JSON cannot write Infinity, but 1e400 reads as it). */
export const finiteNumber = z.number().refine(Number.isFinite, 'must be a finite number');

/** The partial parameter set generated fields are laid over (a grid's or random source's `base`). */
export const parameterBaseSchema = z.record(z.string(), z.unknown()).default({});
