/**
 * Indexes an NDJSON or CSV parameter file in one streaming pass: counts its
 * parameter sets (non-empty lines) and records the byte offset where each shard
 * starts, so workers read their shard by byte range. Memory is O(shards).
 */
import type { FileIndex } from '../../shared/run-plan.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { LIMITS } from '../../shared/limits.ts';
import { parseCsvHeader } from './csv.ts';
import { readLineBatches, UTF8_BOM } from './lines.ts';

/** The parameter file cannot be used; the message says why. */
export class ParameterFileError extends Error {
  override readonly name: string = 'ParameterFileError';
}

/** The parameter file does not exist (a wrong path, or not uploaded yet). */
export class ParameterFileMissingError extends ParameterFileError {
  override readonly name = 'ParameterFileMissingError';
}

/** Streams the object once and builds its {@link FileIndex}. */
export async function indexParameterFile(
  store: ObjectStore,
  uri: string,
  format: 'ndjson' | 'csv',
  shardSize: number,
  limits: { maxParameters: number; maxShards: number } = { maxParameters: LIMITS.parameters, maxShards: LIMITS.shards },
): Promise<FileIndex> {
  const info = await store.stat(uri);
  if (!info) throw new ParameterFileMissingError(`the parameter file ${uri} does not exist`);
  if (info.size > LIMITS.parameterFileBytes) {
    throw new ParameterFileError(`the parameter file is ${info.size} bytes, over the ${LIMITS.parameterFileBytes}-byte cap`);
  }
  const head = await firstBytes(store, uri);
  const start = head.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  const shardOffsets: number[] = [];
  let header: string[] | undefined;
  let count = 0;
  let lineNumber = 0;
  try {
    for await (const lines of readLineBatches(store.readStream(uri, { start }), start, LIMITS.parameterLineBytes)) {
      for (const line of lines) {
        lineNumber++;
        if (line.bytes.length === 0) continue;
        // RFC 4180 lets a quoted field hold a line break; Altus reads one record per line, so such a
        // file fails whole here, rather than shifting every later record's index away from its number.
        if (format === 'csv' && opensQuotedField(line.bytes)) {
          throw new ParameterFileError(
            `line ${lineNumber} of ${uri}: a quoted field runs past the end of the line (a field spanning lines, or an unclosed quote); write one record per line, with line breaks inside fields escaped or removed`,
          );
        }
        if (format === 'csv' && header === undefined) {
          header = parseCsvHeader(line.bytes.toString('utf8'));
          continue;
        }
        if (count % shardSize === 0) {
          if (shardOffsets.length >= limits.maxShards) {
            throw new ParameterFileError(`the file needs more than ${limits.maxShards} shards at shardSize ${shardSize}; raise shardSize`);
          }
          shardOffsets.push(line.offset);
        }
        count++;
        if (count > limits.maxParameters) {
          throw new ParameterFileError(`the file has more than ${limits.maxParameters} parameter sets (the cap)`);
        }
      }
    }
  } catch (error) {
    if (error instanceof ParameterFileError) throw error;
    throw new ParameterFileError(`cannot read ${uri} as ${format}: ${(error as Error).message}`, { cause: error });
  }
  if (format === 'csv' && header === undefined) throw new ParameterFileError('the CSV file has no header line');
  return { uri, format, generation: info.generation, count, shardOffsets, endOffset: info.size, ...(header ? { header } : {}) };
}

/** True when the line holds an odd number of double quotes: a quoted field it opens is not closed on it. */
function opensQuotedField(bytes: Buffer): boolean {
  let quotes = 0;
  for (let at = bytes.indexOf(0x22); at >= 0; at = bytes.indexOf(0x22, at + 1)) quotes++;
  return quotes % 2 === 1;
}

async function firstBytes(store: ObjectStore, uri: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.readStream(uri, { start: 0, end: 3 }) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
