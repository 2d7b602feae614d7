/**
 * File parameter source (`{"file": {"uri": ..., "format": "ndjson" | "csv"}}`):
 * an object in the manifests bucket, or a path relative to the manifest (which
 * `altus submit` uploads with it). Planning indexes it in one streaming pass
 * (file-index.ts); a worker reads its shard by byte range and checks the object
 * was not rewritten since. A line that cannot be read fails only its set.
 */
import { z } from 'zod';
import { PermanentError } from '../../shared/errors.ts';
import { problemText, scanJson } from '../../shared/json-scan.ts';
import { LIMITS } from '../../shared/limits.ts';
import { objectUri, parseObjectUri } from '../../shared/storage/object-store.ts';
import { parameterSetProblem } from '../planning/decode.ts';
import { csvRecord, splitCsvLine } from './csv.ts';
import { indexParameterFile, ParameterFileError, ParameterFileMissingError } from './file-index.ts';
import { readLineBatches } from './lines.ts';
import { ShardInputError, type ParameterSource, type ShardInput, type ShardSlice } from './source.ts';

const fileBlockSchema = z.object({ uri: z.string().min(1).max(1024), format: z.enum(['ndjson', 'csv']) }).strict();
/** A file source's block. */
export type FileBlock = z.infer<typeof fileBlockSchema>;

/** The `file` source. */
export const fileSource: ParameterSource<FileBlock> = {
  kind: 'file',
  schema: fileBlockSchema,
  inspect: () => ({ count: null, samples: [] }),
  async index(block, context) {
    let resolved: string;
    try {
      resolved = resolveParameterFileUri(block.uri, context.manifestsBucket, context.manifestObject);
    } catch (error) {
      if (error instanceof PermanentError) throw error;
      throw new PermanentError('PARAMETERS_FILE_MISSING', `parameters.file.uri: ${(error as Error).message}`, { cause: error });
    }
    try {
      const index = await indexParameterFile(context.store, resolved, block.format, context.shardSize);
      if (index.count === 0) throw new PermanentError('PARAMETERS_EMPTY', `the parameter file ${resolved} has no parameter sets`);
      return index;
    } catch (error) {
      if (!(error instanceof ParameterFileError)) throw error;
      throw new PermanentError(error instanceof ParameterFileMissingError ? 'PARAMETERS_FILE_MISSING' : 'PARAMETERS_FILE_INVALID', error.message, {
        cause: error,
      });
    }
  },
  read: (_block, slice) => fileInputs(slice),
  localFile: (block) => (block.uri.startsWith('gs://') ? undefined : block.uri),
};

/**
 * Resolves a manifest's file URI: a `gs://` URI as it is, otherwise a path relative
 * to the manifest object's folder in the manifests bucket (what `altus submit` uploads).
 */
export function resolveParameterFileUri(uri: string, manifestsBucket: string, manifestObject: string | null): string {
  if (uri.startsWith('gs://')) return parseObjectUri(uri) && uri;
  const folder = manifestObject?.includes('/') ? manifestObject.slice(0, manifestObject.lastIndexOf('/') + 1) : '';
  return objectUri(manifestsBucket, normalizeRelative(folder + uri));
}

function normalizeRelative(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) throw new PermanentError('PARAMETERS_FILE_MISSING', `parameters.file.uri "${path}" points outside the manifests bucket`);
      out.pop();
    } else out.push(segment);
  }
  if (out.length === 0) throw new PermanentError('PARAMETERS_FILE_MISSING', 'parameters.file.uri is empty');
  return out.join('/');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function* fileInputs({ shard, start, end, file, store }: ShardSlice): AsyncGenerator<ShardInput[]> {
  if (!file) throw new ShardInputError('the plan has no index of its parameter file');
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

function parseLine(bytes: Buffer, index: number, format: FileBlock['format'], header: string[] | undefined): ShardInput {
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
