/**
 * The fast chaos scenarios (npm run chaos runs them all): duplicated and shuffled
 * delivery, a repeated finalize event and a new generation, dropped completions,
 * poison messages and the malformed-input corpus, each judged against the
 * fault-free run of the same manifest. Runs on a stack of its own.
 *
 * @own-stack
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from '../../scripts/chaos/run.ts';
import { FAST_SCENARIOS } from '../../scripts/chaos/scenarios.ts';
import { clean, renderTable } from '../../scripts/chaos/verdict.ts';

test('the fast chaos scenarios are clean', { timeout: 900_000 }, async () => {
  const rows = await runChaos(FAST_SCENARIOS);
  assert.equal(rows.length, FAST_SCENARIOS.length);
  assert.deepEqual(
    rows.filter((r) => !clean(r)).map((r) => `${r.scenario}: ${r.note}`),
    [],
    renderTable(rows),
  );
});
