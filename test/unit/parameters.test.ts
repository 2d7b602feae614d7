/** Parameter sources: grid order, random determinism, CSV, and file sharding by byte range. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { csvRecord, parseCsvHeader, splitCsvLine } from '../../jobs/parameters/csv.ts';
import { indexParameterFile } from '../../jobs/parameters/file-index.ts';
import { createGrid, gridParameters } from '../../jobs/parameters/grid.ts';
import { randomParameters } from '../../jobs/parameters/random.ts';
import { shardInputs } from '../../jobs/worker/shard-input.ts';
import type { RunPlan } from '../../shared/run-plan.ts';
import { clockMovedOn } from '../support/wait-for.ts';

test('grid: axes in the order written, the last varying fastest, both ends exact', () => {
  const grid = createGrid({ type: 'call' }, { strike: { from: 50, to: 150, steps: 101 }, volatility: [0.1, 0.2, 0.3] });
  assert.equal(grid.count, 303);
  assert.deepEqual(gridParameters(grid, 0), { type: 'call', strike: 50, volatility: 0.1 });
  assert.deepEqual(gridParameters(grid, 2), { type: 'call', strike: 50, volatility: 0.3 });
  assert.deepEqual(gridParameters(grid, 3), { type: 'call', strike: 51, volatility: 0.1 });
  assert.deepEqual(gridParameters(grid, 302), { type: 'call', strike: 150, volatility: 0.3 });
  const odd = createGrid({}, { x: { from: 0.1, to: 0.7, steps: 7 } });
  assert.equal(gridParameters(odd, 6).x, 0.7);
});

test('random: set i depends only on (seed, i); truncation bounds hold', () => {
  const source = {
    seed: 7,
    base: { type: 'put' },
    fields: { spot: { uniform: [80, 120] as [number, number] }, volatility: { normal: [0.25, 0.2] as [number, number], min: 0.01, max: 0.5 } },
  };
  assert.deepEqual(randomParameters(source, 12345), randomParameters(source, 12345));
  assert.notDeepEqual(randomParameters(source, 1), randomParameters(source, 2));
  assert.notDeepEqual(randomParameters(source, 1), randomParameters({ ...source, seed: 8 }, 1));
  for (let i = 0; i < 2000; i++) {
    const p = randomParameters(source, i) as { spot: number; volatility: number };
    assert.ok(p.spot >= 80 && p.spot < 120);
    assert.ok(p.volatility >= 0.01 && p.volatility <= 0.5);
  }
});

test('csv: quoting, empty fields left out, numbers parsed, bad headers refused', () => {
  assert.deepEqual(splitCsvLine('a,"b,c","d""e",'), ['a', 'b,c', 'd"e', '']);
  assert.deepEqual(csvRecord(['type', 'spot', 'q'], ['call', ' 42.5 ', '']), { type: 'call', spot: 42.5 });
  assert.throws(() => parseCsvHeader('a,,b'), /empty column/);
  assert.throws(() => parseCsvHeader('a,b,a'), /repeats the column "a"/);
  assert.throws(() => splitCsvLine('"open'), /unterminated/);
});

test('file index: shard offsets let workers read exactly their lines, blank lines and a BOM skipped', async () => {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-params-')));
  const lines = Array.from({ length: 23 }, (_, i) => JSON.stringify({ i }));
  const text = '\ufeff' + lines.slice(0, 10).join('\n') + '\n\n' + lines.slice(10).join('\r\n');
  const uri = 'gs://bucket-a/p.ndjson';
  await store.write(uri, text);
  const index = await indexParameterFile(store, uri, 'ndjson', 5);
  assert.equal(index.count, 23);
  assert.equal(index.shardOffsets.length, 5);
  const plan = {
    runId: 'r',
    parameterCount: 23,
    shardSize: 5,
    shardCount: 5,
    manifest: { parameters: { file: { uri, format: 'ndjson' } } },
    file: index,
  } as unknown as RunPlan;
  const seen: unknown[] = [];
  for (let shard = 0; shard < 5; shard++) for await (const input of shardInputs(plan, shard, store)) seen.push([input.index, input.params]);
  assert.deepEqual(
    seen,
    lines.map((l, i) => [i, JSON.parse(l)]),
  );
  await assert.rejects(() => indexParameterFile(store, uri, 'ndjson', 1, { maxParameters: 10, maxShards: 100 }), /more than 10 parameter sets/);
});

test('file shards refuse a parameter file rewritten after planning', async () => {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-params-')));
  const uri = 'gs://bucket-a/p.csv';
  await store.write(uri, 'type,spot\ncall,1\n');
  const index = await indexParameterFile(store, uri, 'csv', 10);
  assert.deepEqual(index.header, ['type', 'spot']);
  // The local store's generation is the file's mtime: the rewrite must come after the clock moved on.
  await clockMovedOn();
  await store.write(uri, 'type,spot\ncall,2\n');
  const plan = {
    runId: 'r',
    parameterCount: 1,
    shardSize: 10,
    shardCount: 1,
    manifest: { parameters: { file: { uri, format: 'csv' } } },
    file: index,
  } as unknown as RunPlan;
  await assert.rejects(async () => {
    for await (const _ of shardInputs(plan, 0, store)) void _;
  }, /rewritten after the run was planned/);
});

test('file lines with prototype keys, bad UTF-8 or non-objects fail alone, with the reason', async () => {
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-params-')));
  const uri = 'gs://bucket-a/hostile.ndjson';
  const lines = [Buffer.from('{"__proto__": {"x": 1}}'), Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from('[1,2]'), Buffer.from('{"ok": true}')];
  await store.write(uri, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
  const index = await indexParameterFile(store, uri, 'ndjson', 10);
  const plan = {
    runId: 'r',
    parameterCount: 4,
    shardSize: 10,
    shardCount: 1,
    manifest: { parameters: { file: { uri, format: 'ndjson' } } },
    file: index,
  } as unknown as RunPlan;
  const seen: Array<{ index: number; error?: string }> = [];
  for await (const input of shardInputs(plan, 0, store)) seen.push(input as { index: number; error?: string });
  assert.match(seen[0]!.error!, /"__proto__" is not allowed/);
  assert.match(seen[1]!.error!, /not valid UTF-8/);
  assert.match(seen[2]!.error!, /not a JSON object/);
  assert.equal(seen[3]!.error, undefined);
  assert.throws(() => parseCsvHeader('type,__proto__'), /not allowed/);
});
