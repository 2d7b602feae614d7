/**
 * Parameter files as a careless or hostile user writes them: a CSV field that
 * spans lines fails the whole file with its line number (never shifting later
 * records' indexes); a number that overflows a double says so instead of
 * becoming a `null` in the results; a broken line's reason quotes none of it;
 * a line nested 30,000 deep fails alone with a reason, not a stack overflow.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunPlan } from '../../shared/run-plan.ts';
import { indexParameterFile } from '../../jobs/parameters/file-index.ts';
import { shardInputs, type ShardInput } from '../../jobs/worker/shard-input.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';

const store = () => new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-hostile-')));

async function inputs(text: string, format: 'ndjson' | 'csv'): Promise<ShardInput[]> {
  const s = store();
  const uri = `gs://bucket-a/p.${format}`;
  await s.write(uri, text);
  const file = await indexParameterFile(s, uri, format, 100);
  const plan = {
    runId: 'r',
    parameterCount: file.count,
    shardSize: 100,
    shardCount: 1,
    manifest: { parameters: { file: { uri, format } } },
    file,
  } as unknown as RunPlan;
  const seen: ShardInput[] = [];
  for await (const input of shardInputs(plan, 0, s)) seen.push(input);
  return seen;
}

test('a CSV field spanning lines fails the whole file with its line number, instead of shifting later indexes', async () => {
  const s = store();
  await s.write('gs://bucket-a/notes.csv', 'type,spot,note\ncall,42,"first line\nsecond line"\nput,40,plain\n');
  await assert.rejects(
    indexParameterFile(s, 'gs://bucket-a/notes.csv', 'csv', 10),
    /line 2 of gs:\/\/bucket-a\/notes\.csv: a quoted field runs past the end of the line/,
  );
  // Quotes that close on their line, doubled quotes and commas in quotes are fine.
  const ok = await inputs('type,spot,note\ncall,42,"a ""quoted"", line"\nput,40,plain\n', 'csv');
  assert.deepEqual(
    ok.map((i) => [i.index, i.params]),
    [
      [0, { type: 'call', spot: 42, note: 'a "quoted", line' }],
      [1, { type: 'put', spot: 40, note: 'plain' }],
    ],
  );
});

test('1e400 in a parameter file is "not finite (overflows a double)", not a null in the results', async () => {
  const ndjson = await inputs('{"spot": 1e400, "strike": 40}\n{"spot": 42, "legs": [1, -1e999]}\n{"spot": 42}\n', 'ndjson');
  assert.deepEqual(
    ndjson.map((i) => ('error' in i ? i.error : i.params)),
    ['spot: not finite (overflows a double)', 'legs.1: not finite (overflows a double)', { spot: 42 }],
  );
  const csv = await inputs('type,spot\ncall,1e400\nput,42\n', 'csv');
  assert.deepEqual(
    csv.map((i) => ('error' in i ? i.error : i.params)),
    ['the line is not valid CSV: spot: not finite (overflows a double)', { type: 'put', spot: 42 }],
  );
});

test('a line that is not JSON fails alone with where, quoting none of it; a line nested 30,000 deep fails alone with a reason', async () => {
  const deep = '{"a":' + '['.repeat(30_000) + ']'.repeat(30_000) + '}';
  const seen = await inputs(`{"spot": 42, "note": "SECRET-CONTENT" }x\n${deep}\n{"spot": 1}\n`, 'ndjson');
  assert.equal((seen[0] as { error: string }).error, 'the line is not valid JSON: unexpected data after the JSON value (line 1, column 40)');
  assert.match((seen[1] as { error: string }).error, /^a(\.0)+: nests deeper than 32 levels$/);
  assert.deepEqual(seen[2], { index: 2, params: { spot: 1 } });
});
