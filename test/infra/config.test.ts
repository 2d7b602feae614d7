/**
 * The stack configuration derived from the fleet configuration: defaults that
 * match the runtime's, and fleets that cannot be deployed refused with a clear
 * error before anything is synthesized.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRuntimeConfig } from '../../shared/config.ts';
import { MAX_NODES_PER_CLUSTER, StackConfigError, stackConfigFromFleet } from '../../infra/config.ts';
import { DEFAULT_FLEET, fleetWith } from './fleet-fixture.ts';

const rules = { firestoreRules: 'rules_version = "2";' };

test('bucket names are the ones the runtime falls back to, and the functions run in the hub region', () => {
  const config = stackConfigFromFleet(DEFAULT_FLEET, rules);
  const runtime = parseRuntimeConfig({ ALTUS_PROJECT_ID: DEFAULT_FLEET.project });
  assert.deepEqual({ manifests: config.buckets.manifests, results: config.buckets.results }, runtime.buckets);
  assert.equal(config.region, DEFAULT_FLEET.hub.region);
  assert.deepEqual(config.workers.map((w) => w.name), ['worker-a', 'worker-b']);
  assert.equal(config.resultsRetentionDays, 90);
});

test('a cluster that could outgrow its /14 pod range is refused', () => {
  const fleet = fleetWith((raw) => (raw.clusters[0].maxNodes = MAX_NODES_PER_CLUSTER));
  assert.throws(() => stackConfigFromFleet(fleet, rules), (e: Error) => e instanceof StackConfigError && /worker-a may grow to/.test(e.message));
});

test('GPU pools cannot take the names of the pools the stack itself creates', () => {
  for (const name of ['system', 'batch']) {
    const fleet = fleetWith((raw) => (raw.clusters[0].gpuPools[0].name = name));
    assert.throws(() => stackConfigFromFleet(fleet, rules), /reserved/);
  }
});

test('results retention shorter than Nearline\'s minimum is refused', () => {
  assert.throws(() => stackConfigFromFleet(DEFAULT_FLEET, { ...rules, resultsRetentionDays: 7 }), StackConfigError);
  assert.equal(stackConfigFromFleet(DEFAULT_FLEET, { ...rules, resultsRetentionDays: 365 }).resultsRetentionDays, 365);
});

test('the worker pods cannot share an account id with another Altus identity', () => {
  for (const id of ['altus-dispatch', 'altus-nodes']) {
    const fleet = fleetWith((raw) => (raw.workerServiceAccount.google = id));
    assert.throws(() => stackConfigFromFleet(fleet, rules), /another Altus identity/);
  }
});
