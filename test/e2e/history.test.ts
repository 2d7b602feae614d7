/**
 * Run history survives `altus down` / `altus up`: the Firestore emulator's data is
 * exported on the way down and imported on the way up. Uses a stack of its own.
 *
 * @own-stack
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { down, up } from '../../scripts/cli/stack-control.ts';
import { baseManifest, runManifest, stackClients, writeManifest } from '../support/stack.ts';

test('a finished run is still there after down and up', { timeout: 300_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'altus-history-'));
  try {
    const { info } = await up(home);
    const run = await runManifest(info, writeManifest('history.json', baseManifest({ name: 'remember-me' })));
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(await down(home), true);

    const { info: again } = await up(home);
    const kept = await stackClients(again).runs.getRun(run.runId);
    assert.equal(kept?.name, 'remember-me');
    assert.equal(kept?.status, 'SUCCEEDED');
    assert.deepEqual(kept?.aggregates, run.aggregates);
  } finally {
    await down(home);
  }
});
