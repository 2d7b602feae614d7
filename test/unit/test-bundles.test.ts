/** The unit tier's bundles: every file imported exactly once, in order, shares as even as the count allows. */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { bundleSources } from '../../scripts/test-bundles.ts';

const imported = (source: string) => [...source.matchAll(/^import (".*");$/gm)].map((m) => JSON.parse(m[1]!) as string);
const url = (file: string) => pathToFileURL(resolve(file)).href;

test('files are dealt round-robin into the shares, each imported once, in the order given', () => {
  for (const [files, count, expected] of [
    [
      ['a.test.ts', 'b.test.ts', 'c.test.ts', 'd.test.ts', 'e.test.ts'],
      2,
      [
        ['a', 'c', 'e'],
        ['b', 'd'],
      ],
    ],
    [['a.test.ts', 'b.test.ts', 'c.test.ts'], 3, [['a'], ['b'], ['c']]],
    [['a.test.ts'], 2, [['a']]],
    [['a.test.ts', 'b.test.ts'], 1, [['a', 'b']]],
  ] as const) {
    const sources = bundleSources(files, count);
    assert.deepEqual(
      sources.map(imported),
      expected.map((share) => share.map((name) => url(`${name}.test.ts`))),
      `${files.length} files in ${count}`,
    );
  }
});

test('a path with quotes or spaces is imported by its file URL, not pasted into the source', () => {
  const [source] = bundleSources(['test/unit/it\'s a "name".test.ts'], 1);
  assert.deepEqual(imported(source!), [url('test/unit/it\'s a "name".test.ts')]);
  assert.doesNotMatch(source!, /it's a "name"/);
});
