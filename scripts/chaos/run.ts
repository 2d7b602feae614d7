/**
 * Runs chaos scenarios on a local stack of their own (armed for crash points,
 * metered for peak memory), one after another, and returns the table rows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFirestore, createPubSub } from '../../shared/clients.ts';
import { FirestoreRunStore } from '../../shared/run-store.ts';
import { LocalObjectStore } from '../../shared/storage/local-store.ts';
import { down, up } from '../cli/stack-control.ts';
import { ChaosProxy } from './proxy.ts';
import type { ChaosContext } from './harness.ts';
import { SCENARIOS } from './scenarios.ts';
import type { ChaosRow } from './verdict.ts';
import { TEST_RECONCILE_GRACE_SECONDS } from '../stack/state.ts';

/** Starts a stack, runs `names` in order, stops the stack. */
export async function runChaos(names: readonly string[], progress: (line: string) => void = () => undefined): Promise<ChaosRow[]> {
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const home = mkdtempSync(join(tmpdir(), 'altus-chaos-'));
  const chaosDir = join(home, 'chaos');
  const meterDir = join(home, 'meters');
  progress(`starting a chaos stack in ${home}`);
  // Reconcile's graces shortened (as in npm test): lost shards are found in seconds, not minutes.
  const { info: stack } = await up(home, {
    env: { ALTUS_CHAOS_DIR: chaosDir, ALTUS_METER_DIR: meterDir, ALTUS_RECONCILE_GRACE_SECONDS: TEST_RECONCILE_GRACE_SECONDS },
  });
  const endpoints = { projectId: stack.projectId, firestoreEmulatorHost: stack.firestoreEmulatorHost, pubsubEmulatorHost: stack.pubsubEmulatorHost };
  const pubsub = createPubSub(endpoints);
  const proxy = new ChaosProxy(stack, pubsub);
  await proxy.start();
  const ctx: ChaosContext = {
    stack,
    runs: new FirestoreRunStore(createFirestore(endpoints)),
    pubsub,
    store: new LocalObjectStore(stack.storageDir),
    proxy,
    chaosDir,
    meterDir,
    progress,
  };
  const rows: ChaosRow[] = [];
  try {
    for (const name of names) {
      progress(`scenario: ${name}`);
      try {
        rows.push(await SCENARIOS[name]!(ctx));
      } catch (error) {
        rows.push({
          scenario: name,
          runs: 0,
          identical: false,
          shardsLost: -1,
          shardsDoubleCounted: -1,
          seconds: 0,
          faultObserved: false,
          evidence: `ERROR: ${(error as Error).message}`,
        });
      }
      progress(`  ${JSON.stringify(rows.at(-1))}`);
    }
  } finally {
    await proxy.close().catch(() => undefined);
    await down(home);
  }
  return rows;
}
