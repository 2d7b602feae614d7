/**
 * `altus cancel` through the real stack: a long Monte Carlo run is cancelled
 * while its Jobs run; it ends CANCELLED (`altus cancel` exits 0), one run-finished event with
 * status CANCELLED is published, and the local fleet holds no Job for it afterwards.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { submitLocal } from '../../scripts/cli/submit.ts';
import { runFinishedSchema, type RunFinished } from '../../shared/messages.ts';
import { baseManifest, fleetJobsFor, stackClients, testStack, writeManifest } from '../support/stack.ts';
import { waitFor } from '../support/wait-for.ts';

const CLI = fileURLToPath(new URL('../../scripts/cli/main.ts', import.meta.url));

test('a running run is cancelled: CANCELLED with code CANCELLED, altus cancel exits 0, one run-finished event, no Jobs left', {
  timeout: 300_000,
}, async () => {
  const stack = testStack();
  const { runs, pubsub } = stackClients(stack);
  // A fresh subscription: sees run-finished events from now on, no other test's deliveries taken.
  const [tap] = await pubsub.topic(stack.topics.runFinished).createSubscription(`cancel-tap-${Date.now()}`);
  const finished: RunFinished[] = [];
  tap.on('message', (message) => {
    message.ack();
    finished.push(runFinishedSchema.parse(JSON.parse(message.data.toString('utf8'))));
  });
  try {
    const manifest = baseManifest({
      name: 'long-mc',
      kernel: { name: 'european-option-mc', paths: 6_000_000, seed: 3 },
      parameters: {
        random: {
          count: 400,
          seed: 1,
          base: { type: 'call', spot: 100, strike: 100, rate: 0.01, maturity: 1 },
          fields: { volatility: { uniform: [0.1, 0.3] } },
        },
      },
      shardSize: 2,
    });
    const { runId } = await submitLocal(stack, writeManifest('long-mc.json', manifest));
    await waitFor(async () => (await fleetJobsFor(stack, runId)).length > 0, { timeoutMs: 60_000, intervalMs: 250, what: 'the run to reach the fleet' });
    const cancel = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'cancel', runId], {
      env: { ...process.env, ALTUS_HOME: stack.home },
      encoding: 'utf8',
    });
    assert.equal(cancel.status, 0, cancel.stderr);
    // cancel deletes the run's Jobs, and so does reconcile's clean-up of any ended run: whichever comes first.
    assert.match(cancel.stdout, new RegExp(`run ${runId} cancelled; \\d+ Job\\(s\\) deleted`));
    const run = await runs.getRun(runId);
    assert.equal(run?.status, 'CANCELLED');
    assert.equal(run?.error?.code, 'CANCELLED');
    assert.ok(run?.finishedAt);
    assert.deepEqual(await fleetJobsFor(stack, runId), []);
    // Late completions must not move a cancelled run, nor announce another end. An absence has no
    // condition to wait on: give the pods that were stopped two seconds to have published.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await runs.getRun(runId))?.status, 'CANCELLED');
    assert.deepEqual(await fleetJobsFor(stack, runId), []);
    const ours = finished.filter((f) => f.runId === runId);
    assert.deepEqual(ours, [{ v: 1, runId, status: 'CANCELLED', counts: run!.counts }]);
  } finally {
    // A failed assertion must not leave the subscriber holding the test process open.
    await tap.close();
    await tap.delete();
    await pubsub.close();
  }
});
