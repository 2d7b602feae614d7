/**
 * The shared wait of the tests: resolves with the condition's first truthy value,
 * looks again after a throw, and fails in time naming what it waited for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor, WaitTimeoutError } from '../support/wait-for.ts';

test('waitFor: resolves with the first truthy value, looking again until then', async () => {
  const cases: Array<[name: string, values: unknown[], expected: unknown]> = [
    ['true at once', [true], true],
    ['an object after two misses', [undefined, false, { id: 1 }], { id: 1 }],
    ['a throw, then a value', [new Error('not there yet'), 'ready'], 'ready'],
  ];
  for (const [name, values, expected] of cases) {
    let look = 0;
    const value = await waitFor(
      () => {
        const next = values[Math.min(look++, values.length - 1)];
        if (next instanceof Error) throw next;
        return next;
      },
      { timeoutMs: 2000, intervalMs: 1, what: name },
    );
    assert.deepEqual(value, expected, name);
  }
});

test('waitFor: a condition that never holds fails after the timeout, naming it, with the last error as cause', async () => {
  const started = Date.now();
  const cause = new Error('connection refused');
  await assert.rejects(
    waitFor(
      () => {
        throw cause;
      },
      { timeoutMs: 100, intervalMs: 10, what: 'the emulator' },
    ),
    (error: unknown) => error instanceof WaitTimeoutError && /waiting for the emulator/.test(error.message) && error.cause === cause,
  );
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 100 && elapsed < 2000, `gave up after ${elapsed} ms`);
});
