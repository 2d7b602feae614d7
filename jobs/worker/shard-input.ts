/**
 * The parameter sets of one shard, generated from the plan: inline entries,
 * grid points and random draws are computed from their global index; file
 * shards are streamed from the shard's byte range. Never the whole source in memory.
 */
import { LIMITS } from '../../shared/limits.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { csvRecord, splitCsvLine } from '../parameters/csv.ts';
import { createGrid, gridParameters } from '../parameters/grid.ts';
import { readLineBatches } from '../parameters/lines.ts';
import { randomParameters } from '../parameters/random.ts';
import { parameterSetProblem } from '../planning/decode.ts';
import { problemText, scanJson } from '../../shared/json-scan.ts';
import { shardRange, type RunPlan } from '../planning/plan.ts';

/** One parameter set of the shard, or why it could not be read. */
export type ShardInput = { index: number; params: Record<string, unknown> } | { index: number; params: null; error: string };

/** The shard's input cannot be used at all (bad input: do not retry). */
export class ShardInputError extends Error {
  override readonly name = 'ShardInputError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Yields the shard's parameter sets in index order. */
export async function* shardInputs(plan: RunPlan, shard: number, store: ObjectStore): AsyncGenerator<ShardInput> {
  for await (const batch of shardInputBatches(plan, shard, store)) yield* batch;
}

/** Generated parameter sets per batch: a hot loop over a shard then awaits once a batch, not once a set. */
const BATCH = 1024;

/** The shard's parameter sets in index order, a batch at a time (a chunk of the file, or BATCH generated sets). */
export async function* shardInputBatches(plan: RunPlan, shard: number, store: ObjectStore): AsyncGenerator<ShardInput[]> {
  if (!Number.isInteger(shard) || shard < 0 || shard >= plan.shardCount) {
    throw new ShardInputError(`shard ${shard} is outside the run's ${plan.shardCount} shards`);
  }
  const { start, end } = shardRange(plan, shard);
  const source = plan.manifest.parameters;
  let generate: ((i: number) => Record<string, unknown>) | undefined;
  if (source.inline) {
    const inline = source.inline;
    generate = (i) => inline[i]!;
  } else if (source.grid) {
    const grid = createGrid(source.grid.base, source.grid.axes);
    generate = (i) => gridParameters(grid, i);
  } else if (source.random) {
    const random = source.random;
    generate = (i) => randomParameters(random, i);
  }
  if (generate) {
    for (let from = start; from < end; from += BATCH) {
      const batch: ShardInput[] = [];
      for (let i = from; i < Math.min(end, from + BATCH); i++) batch.push({ index: i, params: generate(i) });
      yield batch;
    }
  } else if (plan.file) {
    yield* fileInputs(plan, shard, start, end, store);
  } else {
    throw new ShardInputError('the plan has no parameter source');
  }
}

async function* fileInputs(plan: RunPlan, shard: number, start: number, end: number, store: ObjectStore): AsyncGenerator<ShardInput[]> {
  const file = plan.file!;
  const info = await store.stat(file.uri);
  if (!info) throw new ShardInputError(`the parameter file ${file.uri} no longer exists`);
  if (info.generation !== file.generation) {
    throw new ShardInputError(`the parameter file ${file.uri} was rewritten after the run was planned (generation ${file.generation} -> ${info.generation})`);
  }
  const from = file.shardOffsets[shard]!;
  const to = file.shardOffsets[shard + 1] ?? file.endOffset;
  let index = start;
  for await (const lines of readLineBatches(store.readStream(file.uri, { start: from, end: to }), from, LIMITS.parameterLineBytes)) {
    const batch: ShardInput[] = [];
    for (const line of lines) {
      if (line.bytes.length === 0) continue;
      if (index >= end) throw new ShardInputError(`shard ${shard} holds more lines than planned: the file changed`);
      batch.push(parseLine(line.bytes, index, file.format, file.header));
      index++;
    }
    if (batch.length) yield batch;
  }
  if (index !== end) throw new ShardInputError(`shard ${shard} holds ${index - start} lines, ${end - start} were planned: the file changed`);
}

function parseLine(bytes: Buffer, index: number, format: 'ndjson' | 'csv', header: string[] | undefined): ShardInput {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { index, params: null, error: 'the line is not valid UTF-8' };
  }
  if (format === 'csv') {
    try {
      return { index, params: csvRecord(header ?? [], splitCsvLine(text)) };
    } catch (error) {
      return { index, params: null, error: `the line is not valid CSV: ${(error as Error).message}` };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The scan says where without quoting the line (JSON.parse's message quotes it).
    const problem = scanJson(text, { maxDepth: Number.MAX_SAFE_INTEGER, maxKeys: Number.MAX_SAFE_INTEGER }).problem;
    return { index, params: null, error: `the line is not valid JSON${problem ? `: ${problemText(problem)}` : ''}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { index, params: null, error: 'the line is not a JSON object' };
  }
  const problem = parameterSetProblem(value);
  if (problem) return { index, params: null, error: problem };
  return { index, params: value as Record<string, unknown> };
}
