/**
 * Line scanning over byte streams, tracking byte offsets so a parameter file can
 * be split into shards by byte range without holding it in memory.
 */
import type { Readable } from 'node:stream';

/** A line longer than the cap: the file is not line-oriented data. */
export class LineTooLongError extends Error {
  override readonly name = 'LineTooLongError';
  constructor(readonly offset: number, readonly maxBytes: number) {
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
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = baseOffset;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buffer = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const bufferOffset = carryOffset;
    let start = 0;
    for (;;) {
      const nl = buffer.indexOf(10, start);
      if (nl < 0) break;
      if (nl - start > maxLineBytes) throw new LineTooLongError(bufferOffset + start, maxLineBytes);
      yield { bytes: trimCr(buffer.subarray(start, nl)), offset: bufferOffset + start };
      start = nl + 1;
    }
    carry = buffer.subarray(start);
    carryOffset = bufferOffset + start;
    if (carry.length > maxLineBytes) throw new LineTooLongError(carryOffset, maxLineBytes);
  }
  if (carry.length > 0) yield { bytes: trimCr(carry), offset: carryOffset };
}

function trimCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, bytes.length - 1) : bytes;
}

/** True when the stream's first bytes are a UTF-8 byte order mark. */
export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
