/**
 * A shard's rows: small ones stay in memory, large ones spill to a temporary
 * file; either way the bytes are the rows joined by newlines plus a final one.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { RowsFile, SPILL_BYTES } from '../../jobs/worker/rows-file.ts';

const rowsOf = (n: number, width: number) => Array.from({ length: n }, (_, i) => `{"index":${i},"x":"${'y'.repeat(width)}"}`);

test('rows file: a small shard stays in memory, byte for byte', async () => {
  const sink = new RowsFile('small');
  const rows = rowsOf(100, 10);
  for (const row of rows) await sink.add(row);
  assert.deepEqual(await sink.close(), { rows: Buffer.from(rows.join('\n') + '\n') });
  assert.deepEqual(await new RowsFile('empty').close(), { rows: Buffer.alloc(0) });
  // A row wider than a chunk, in UTF-8 that takes more bytes than characters.
  const wide = new RowsFile('wide');
  const wideRow = '{"label":"' + 'é'.repeat(200_000) + '"}';
  await wide.add('{"n":0}');
  await wide.add(wideRow);
  await wide.add('{"n":1}');
  assert.deepEqual(await wide.close(), { rows: Buffer.from(`{"n":0}\n${wideRow}\n{"n":1}\n`) });
});

test('rows file: a large shard spills to a file with the same bytes; discard removes it', async () => {
  const rows = rowsOf(Math.ceil((2.5 * SPILL_BYTES) / 1000), 980);
  const sink = new RowsFile('large');
  for (const row of rows) await sink.add(row);
  const staged = await sink.close();
  assert.ok('rowsFile' in staged);
  assert.equal(readFileSync(staged.rowsFile, 'utf8'), rows.join('\n') + '\n');
  rmSync(staged.rowsFile);

  const failed = new RowsFile('failed');
  for (const row of rows) await failed.add(row);
  await failed.discard();
  assert.ok(!existsSync((failed as unknown as { path: string }).path));
});
