/**
 * What reaches a person: text from kernels and parameter files (stderr in
 * `altus logs`, failure reasons in `status` and `watch`, string outputs and
 * parameters in `results`) cannot drive the terminal, and a CSV export cannot
 * carry a live spreadsheet formula. Numbers are untouched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell } from '../../../shared/csv-cell.ts';
import type { RunDocument } from '../../../shared/documents.ts';
import { terminalText } from '../../../shared/terminal-text.ts';
import { progressLine, RateMeter } from '../../../scripts/cli/progress-text.ts';
import { renderRun } from '../../../scripts/cli/render.ts';
import { Columns, csvRecord, renderTable, type ResultRow } from '../../../scripts/cli/results-output.ts';
import { printableLogLine, renderRunsTable } from '../../../scripts/cli/run-listing.ts';
import type { RunSummary } from '../../../shared/run-progress.ts';

/** Clear the screen, retitle the terminal, a C1 CSI, a carriage return that overwrites the line, a right-to-left override. */
const HOSTILE = '\u001b[2J\u001b]0;pwned\u0007\u009b31m\rrun SUCCEEDED\u202e';
/** A control character other than tab and the newlines between printed lines. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test('terminalText escapes every control character but tab, visibly; a JSON line stays the same JSON', () => {
  assert.equal(terminalText('a\tb\u001b[2Jc\nd'), 'a\tb\\u001b[2Jc\\u000ad');
  assert.equal(terminalText('a\nb', { multiline: true }), 'a\nb');
  assert.doesNotMatch(terminalText(HOSTILE), CONTROL);
  assert.doesNotMatch(terminalText(HOSTILE), /\n/);
  const json = JSON.stringify({ message: HOSTILE });
  assert.deepEqual(JSON.parse(terminalText(json)), { message: HOSTILE });
});

const failedRun = {
  runId: 'r1',
  name: `desk${HOSTILE}`,
  status: 'PARTIAL',
  counts: { shards: 2, shardsSucceeded: 1, shardsFailed: 1, parameters: 10, parametersFailed: 5 },
  error: { code: 'SHARDS_FAILED', message: `1 shard failed: ${HOSTILE}` },
  failedShards: [{ shard: 1, reason: `the kernel said ${HOSTILE}` }],
} as unknown as RunDocument;

test('altus status and watch: a failure reason from a kernel is printed escaped', () => {
  const text = renderRun(failedRun);
  assert.doesNotMatch(text, CONTROL);
  assert.equal(text.split('\n').length, 4, 'a reason cannot add lines');
  assert.match(text, /the kernel said \\u001b\[2J\\u001b\]0;pwned\\u0007\\u009b31m\\u000drun SUCCEEDED\\u202e/);
  assert.doesNotMatch(progressLine('r1', failedRun, undefined, new RateMeter()), CONTROL);
  const summary = {
    runId: 'r1',
    name: failedRun.name,
    status: 'PARTIAL',
    progress: { total: 2, done: 2, failed: 1 },
    parameters: 10,
    createdAt: '2026-01-01T00:00:00Z',
    durationSeconds: 1,
  } as unknown as RunSummary;
  assert.doesNotMatch(renderRunsTable([summary]), CONTROL);
});

test('altus logs: a kernel stderr line is printed escaped, formatted or as JSON', () => {
  const logged = JSON.stringify({ severity: 'INFO', message: HOSTILE, time: '2026-01-01T00:00:00.000Z', source: 'kernel-stderr' });
  assert.doesNotMatch(printableLogLine(logged, false), CONTROL);
  assert.doesNotMatch(printableLogLine(logged, true), CONTROL);
  assert.equal((JSON.parse(printableLogLine(logged, true)) as { message: string }).message, HOSTILE);
  assert.doesNotMatch(printableLogLine(`not json ${HOSTILE}`, false), CONTROL);
});

test('altus results: string outputs and parameters are escaped in the table and in CSV', () => {
  const row: ResultRow = { index: 0, params: { label: HOSTILE }, note: HOSTILE, price: 1.5 };
  const columns = new Columns();
  columns.add(row);
  assert.doesNotMatch(renderTable(columns, [row]), CONTROL);
  assert.doesNotMatch(csvRecord(columns.cells(row)), CONTROL);
});

test('CSV export: a text cell starting with = + - @ tab or CR is neutralised (OWASP); numbers are untouched', () => {
  const cases: Array<[unknown, string]> = [
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+1+2', `"'+1+2"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1:A9)', `"'@SUM(A1:A9)"`],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\\u000d=1"`],
    ['call', 'call'],
    ['a=b', 'a=b'],
    [-0.3, '-0.3'],
    [-1e-9, '-1e-9'],
    [42, '42'],
    [null, ''],
  ];
  for (const [value, expected] of cases) assert.equal(csvCell(value), expected, JSON.stringify(value));
  assert.equal(csvRecord([0, { type: 'call' }.type, -0.3, '=1+1']), `0,call,-0.3,"'=1+1"`);
});
