/**
 * Results rows read back by the CLI and the dashboard go through one reader:
 * a good row passes untouched, a mangled one fails naming where it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContractError } from '../../shared/contract.ts';
import { readExtraColumn, readResultRow } from '../../shared/result-row.ts';

test('a results line keeps its outputs; params may be null for an unreadable set', () => {
  assert.deepEqual(readResultRow('{"index":3,"params":{"strike":90},"price":1.5}', 'line 4'), { index: 3, params: { strike: 90 }, price: 1.5 });
  assert.deepEqual(readResultRow('{"index":0,"params":null,"error":"line 1: not JSON"}', 'line 1'), { index: 0, params: null, error: 'line 1: not JSON' });
});

const mangled: Array<[string, RegExp]> = [
  ['{"index":-1,"params":{}}', /^results line 7 is not valid: .*index/],
  ['{"params":{}}', /^results line 7 is not valid: .*index/],
  ['{"index":2,"params":[1]}', /^results line 7 is not valid: .*params/],
  ['{"index":2,"params":{},"error":42}', /^results line 7 is not valid: .*error/],
  ['{"index":2,', /^results line 7 is not valid: not JSON/],
];
for (const [line, expected] of mangled) {
  test(`a mangled results line fails where it is: ${line}`, () => {
    assert.throws(
      () => readResultRow(line, 'results line 7'),
      (error: unknown) => error instanceof ContractError && expected.test(error.message),
    );
  });
}

test('the extra column: absent, parsed already, or JSON text; anything else is refused', () => {
  assert.deepEqual(readExtraColumn(null, 'x'), {});
  assert.deepEqual(readExtraColumn({ params: { note: 'a' } }, 'x'), { params: { note: 'a' } });
  assert.deepEqual(readExtraColumn('{"outputs":{"greek":1}}', 'x'), { outputs: { greek: 1 } });
  assert.throws(() => readExtraColumn('{"other":1}', 'the extra column of row 5'), /the extra column of row 5 is not valid: .*unknown field\(s\) "other"/);
});
