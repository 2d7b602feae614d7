/**
 * Line scanning by byte offset: whatever the chunking of the stream, every line
 * comes out once with the byte offset where it starts (CR of CRLF dropped, a
 * last line without a newline kept), and a line over the cap is an error.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { LineTooLongError, readLines } from '../../jobs/parameters/lines.ts';

function chunked(bytes: Buffer, sizes: () => number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = Math.max(1, sizes());
    chunks.push(bytes.subarray(i, i + n));
    i += n;
  }
  return Readable.from(chunks);
}

/** The lines and offsets of `text`, computed the obvious way. */
function reference(text: Buffer, base: number): Array<{ line: string; offset: number }> {
  const out: Array<{ line: string; offset: number }> = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === 10) {
      if (i === text.length && start === text.length) break;
      let line = text.subarray(start, i);
      if (line.length && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      out.push({ line: line.toString('latin1'), offset: base + start });
      start = i + 1;
    }
  }
  return out;
}

test('readLines: every line and its offset, whatever the chunk sizes', async () => {
  let seed = 12345;
  // biome-ignore lint/suspicious/noAssignInExpressions: a seeded PRNG step, so the inputs are the same on every run
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 200; round++) {
    const parts: string[] = [];
    const lines = Math.floor(rand() * 30);
    for (let i = 0; i < lines; i++) {
      const len = Math.floor(rand() * 40);
      parts.push('x'.repeat(len) + (rand() < 0.3 ? '\r' : '') + (i < lines - 1 || rand() < 0.5 ? '\n' : ''));
    }
    const text = Buffer.from(parts.join(''), 'latin1');
    const base = Math.floor(rand() * 1000);
    const maxChunk = 1 + Math.floor(rand() * 50);
    const got: Array<{ line: string; offset: number }> = [];
    for await (const line of readLines(
      chunked(text, () => Math.ceil(rand() * maxChunk)),
      base,
      1 << 16,
    ))
      got.push({ line: line.bytes.toString('latin1'), offset: line.offset });
    assert.deepEqual(got, reference(text, base), `round ${round}: ${JSON.stringify(text.toString('latin1'))}`);
  }
});

test('readLines: a line longer than the cap is refused with its offset, also when it spans chunks', async () => {
  const text = Buffer.from(`ok\n${'y'.repeat(100)}\nafter\n`);
  for (const size of [3, 7, 1000]) {
    await assert.rejects(
      (async () => {
        for await (const _ of readLines(
          chunked(text, () => size),
          0,
          50,
        ))
          void _;
      })(),
      (error: unknown) => error instanceof LineTooLongError && error.offset === 3,
      `chunks of ${size}`,
    );
  }
});
