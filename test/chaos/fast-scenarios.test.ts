/**
 * The fast chaos scenarios (npm run chaos runs them all): duplicated and shuffled
 * delivery, a repeated finalize event and a new generation, dropped completions,
 * poison messages and the malformed-input corpus, each judged against the
 * fault-free run of the same manifest and by the evidence that its fault really
 * happened. Runs on a stack of its own.
 *
 * @own-stack
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { armCrashPoints } from '../../shared/faults.ts';
import { crashEvidence, crashLines, resetCrashPoints } from '../../scripts/chaos/evidence.ts';
import { runChaos } from '../../scripts/chaos/run.ts';
import { FAST_SCENARIOS } from '../../scripts/chaos/scenarios.ts';
import { clean, renderTable, type ChaosRow } from '../../scripts/chaos/verdict.ts';
import type { StackInfo } from '../../scripts/stack/state.ts';

const survived: ChaosRow = {
  scenario: 's',
  runs: 1,
  identical: true,
  shardsLost: 0,
  shardsDoubleCounted: 0,
  seconds: 1,
  faultObserved: true,
  evidence: 'fired 1/1',
};

test('a row is not clean unless its fault was seen to happen and was survived', () => {
  assert.equal(clean(survived), true);
  for (const [change, row] of [
    ['fault never happened', { ...survived, faultObserved: false }],
    ['result differs', { ...survived, identical: false }],
    ['a shard lost', { ...survived, shardsLost: 1 }],
    ['a shard counted twice', { ...survived, shardsDoubleCounted: 1 }],
  ] as const) {
    assert.equal(clean(row), false, change);
  }
  assert.match(renderTable([{ ...survived, faultObserved: false, evidence: 'armed but never fired: x' }]), /\bNO\s+armed but never fired: x$/m);
});

test('the fast chaos scenarios are clean', { timeout: 900_000 }, async () => {
  const rows = await runChaos(FAST_SCENARIOS);
  assert.equal(rows.length, FAST_SCENARIOS.length);
  assert.deepEqual(
    rows.filter((r) => !clean(r)).map((r) => `${r.scenario}: ${r.evidence}`),
    [],
    renderTable(rows),
  );
});

test('a crash point counts as fired only when its marker exists and the function expected logged the crash', () => {
  const home = mkdtempSync(join(tmpdir(), 'altus-chaos-evidence-'));
  const stack = { logDir: join(home, 'logs') } as StackInfo;
  const chaosDir = join(home, 'chaos');
  mkdirSync(stack.logDir);
  mkdirSync(join(chaosDir, 'fired'), { recursive: true }); // a handler's chaosFaults() makes it
  const expected = [{ fn: 'run-request', point: 'start-run.after-plan' }] as const;
  resetCrashPoints(chaosDir);
  armCrashPoints(chaosDir, ['start-run.after-plan']);
  const before = crashLines(stack);
  assert.equal(crashEvidence(stack, chaosDir, expected, before).faultObserved, false, 'armed, never fired');
  writeFileSync(join(chaosDir, 'fired', 'start-run.after-plan'), '');
  writeFileSync(join(stack.logDir, 'ingest.log'), 'chaos: crashing at start-run.after-plan\n');
  assert.equal(crashEvidence(stack, chaosDir, expected, before).faultObserved, false, 'fired, but in ingest');
  writeFileSync(join(stack.logDir, 'run-request.log'), '{"severity":"INFO"}\nchaos: crashing at start-run.after-plan\n');
  assert.deepEqual(crashEvidence(stack, chaosDir, expected, before), { faultObserved: true, evidence: 'fired 1/1: run-request:start-run.after-plan' });
  assert.equal(crashEvidence(stack, chaosDir, expected, crashLines(stack)).faultObserved, false, 'a crash before the window does not count');
  resetCrashPoints(chaosDir);
  assert.equal(crashEvidence(stack, chaosDir, expected, before).faultObserved, false, 'reset forgets the fired marker');
});
