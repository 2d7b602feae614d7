/**
 * Line scanning over byte streams, tracking byte offsets so a parameter file can
 * be split into shards by byte range without holding it in memory.
 */
import type { Readable } from 'node:stream';

/** A line longer than the cap: the file is not line-oriented data. */
export class LineTooLongError extends Error {
  override readonly name = 'LineTooLongError';
  constructor(
    readonly offset: number,
    readonly maxBytes: number,
  ) {
    super(`a line starting at byte ${offset} is longer than ${maxBytes} bytes`);
  }
}

/** One line: its bytes (without the newline or a trailing CR) and where it starts. */
export interface Line {
  bytes: Buffer;
  offset: number;
}

/**
 * Yields every line of `stream`, whose first byte sits at `baseOffset` in the object.
 * Empty lines are yielded too (callers decide to skip them).
 */
export async function* readLines(stream: Readable, baseOffset: number, maxLineBytes: number): AsyncGenerator<Line> {
  for await (const batch of readLineBatches(stream, baseOffset, maxLineBytes)) yield* batch;
}

/**
 * The lines of `stream`, a batch per chunk read: a scan over millions of lines
 * (indexing a parameter file) then costs one await per chunk, not one per line,
 * and its short-lived line objects die young instead of piling up between awaits.
 */
export async function* readLineBatches(stream: Readable, baseOffset: number, maxLineBytes: number): AsyncGenerator<Line[]> {
  // Only the partial line a chunk ends with is carried over (and copied); lines inside a
  // chunk are views of it. Concatenating every chunk onto the carry copied each chunk
  // once more and left a trail of chunk-sized garbage buffers behind.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let carryOffset = baseOffset;
  let chunkOffset = baseOffset;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const batch: Line[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (carryBytes > 0) {
        if (carryBytes + nl > maxLineBytes) throw new LineTooLongError(carryOffset, maxLineBytes);
        batch.push({ bytes: trimCr(Buffer.concat([...carry, chunk.subarray(0, nl)])), offset: carryOffset });
        carry = [];
        carryBytes = 0;
      } else {
        if (nl - start > maxLineBytes) throw new LineTooLongError(chunkOffset + start, maxLineBytes);
        batch.push({ bytes: trimCr(chunk.subarray(start, nl)), offset: chunkOffset + start });
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      if (carryBytes === 0) carryOffset = chunkOffset + start;
      // A copy: a view would keep the whole chunk alive for the sake of its last few bytes.
      carry.push(Buffer.from(chunk.subarray(start)));
      carryBytes += chunk.length - start;
      if (carryBytes > maxLineBytes) throw new LineTooLongError(carryOffset, maxLineBytes);
    }
    chunkOffset += chunk.length;
    if (batch.length) yield batch;
  }
  if (carryBytes > 0) yield [{ bytes: trimCr(Buffer.concat(carry)), offset: carryOffset }];
}

function trimCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, bytes.length - 1) : bytes;
}

/** True when the stream's first bytes are a UTF-8 byte order mark. */
export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
