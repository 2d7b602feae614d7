/**
 * The documented error table (docs/errors.md) and the error-code list that types
 * `RunDocument.error.code` (shared/errors.ts) name the same codes, each once, and
 * the README's section points at the table instead of keeping a copy.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../../shared/errors.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The codes of a Markdown table's first column, in order. */
function documentedCodes(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

test('error codes: the table parser reads codes and nothing else', () => {
  const table = '| code | meaning |\n| --- | --- |\n| `A_CODE` | x |\n| `B` | `C_NOT_A_ROW` |\ntext `D` |';
  assert.deepEqual(documentedCodes(table), ['A_CODE', 'B']);
});

test('error codes: docs/errors.md documents exactly the codes of ERROR_CODES, each once', () => {
  const documented = documentedCodes(read('docs/errors.md'));
  assert.deepEqual(
    documented.filter((c, i) => documented.indexOf(c) !== i),
    [],
    'a code documented twice',
  );
  const listed = Object.keys(ERROR_CODES);
  assert.deepEqual(
    { undocumented: listed.filter((c) => !documented.includes(c)), unlisted: documented.filter((c) => !listed.includes(c)) },
    { undocumented: [], unlisted: [] },
  );
});

test('error codes: the README links the table and keeps no copy of it', () => {
  const readme = read('README.md');
  assert.match(readme, /\]\(docs\/errors\.md\)/);
  assert.deepEqual(
    documentedCodes(readme).filter((c) => c in ERROR_CODES),
    [],
  );
});
