/**
 * The stack configuration derived from the fleet configuration: defaults that
 * match the runtime's, and fleets that cannot be deployed refused with a clear
 * error before anything is synthesized.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRuntimeConfig } from '../../shared/config.ts';
import { FleetConfigError } from '../../shared/fleet-config.ts';
import { MAX_NODES_PER_CLUSTER, StackConfigError, stackConfigFromFleet } from '../../infra/config.ts';
import { TEST_FLEET, fleetWith } from './fleet-fixture.ts';

const rules = { firestoreRules: 'rules_version = "2";' };

test('bucket names are the ones the runtime falls back to, and the functions run in the hub region', () => {
  const config = stackConfigFromFleet(TEST_FLEET, rules);
  const runtime = parseRuntimeConfig({ ALTUS_PROJECT_ID: TEST_FLEET.project });
  assert.deepEqual({ manifests: config.buckets.manifests, results: config.buckets.results }, runtime.buckets);
  assert.equal(config.region, TEST_FLEET.hub.region);
  assert.deepEqual(
    config.workers.map((w) => w.name),
    ['worker-a', 'worker-b'],
  );
  assert.equal(config.resultsRetentionDays, 90);
});

test('a cluster that could outgrow its /14 pod range is refused', () => {
  const fleet = fleetWith((raw) => (raw.clusters[0].maxNodes = MAX_NODES_PER_CLUSTER));
  assert.throws(
    () => stackConfigFromFleet(fleet, rules),
    (e: Error) => e instanceof StackConfigError && /worker-a may grow to/.test(e.message),
  );
});

test('GPU pools cannot take the names of the pools the stack itself creates', () => {
  for (const name of ['system', 'batch']) {
    const fleet = fleetWith((raw) => (raw.clusters[0].gpuPools[0].name = name));
    assert.throws(() => stackConfigFromFleet(fleet, rules), /reserved/);
  }
});

test("results retention shorter than Nearline's minimum is refused", () => {
  assert.throws(() => fleetWith((raw) => (raw.infra = { resultsRetentionDays: 7 })), FleetConfigError);
  assert.equal(
    stackConfigFromFleet(
      fleetWith((raw) => (raw.infra = { resultsRetentionDays: 365 })),
      rules,
    ).resultsRetentionDays,
    365,
  );
});

test('without an infra block the stack gets the defaults', () => {
  const config = stackConfigFromFleet(
    fleetWith((raw) => delete raw.infra),
    rules,
  );
  assert.deepEqual(
    {
      releaseChannel: config.releaseChannel,
      operatorNetworks: config.operatorNetworks,
      dashboardInvokers: config.dashboardInvokers,
      alertNotificationChannels: config.alertNotificationChannels,
      reconcileSchedule: config.reconcileSchedule,
    },
    { releaseChannel: 'REGULAR', operatorNetworks: [], dashboardInvokers: [], alertNotificationChannels: [], reconcileSchedule: '*/5 * * * *' },
  );
});

const invalidInfra: Array<[string, Record<string, unknown>, RegExp]> = [
  ['an unknown release channel', { releaseChannel: 'EXTENDED' }, /infra\.releaseChannel/],
  [
    'an operator network that is not a CIDR block',
    { operatorNetworks: [{ cidr: '10.0.0.300/24', name: 'vpn' }] },
    /infra\.operatorNetworks\.0\.cidr: an IPv4 CIDR block/,
  ],
  ['an operator network without a name', { operatorNetworks: [{ cidr: '203.0.113.0/24' }] }, /infra\.operatorNetworks\.0\.name/],
  [
    'a dashboard viewer that is not an IAM member',
    { dashboardInvokers: ['risk-desk@example.com'] },
    /infra\.dashboardInvokers\.0: "risk-desk@example\.com" is not an IAM member/,
  ],
  [
    'a notification channel given by its display name',
    { alertNotificationChannels: ['on-call'] },
    /infra\.alertNotificationChannels\.0: a notification channel name/,
  ],
  ['a reconcile schedule that is not cron', { reconcileSchedule: 'every 5 minutes' }, /infra\.reconcileSchedule: a five-field cron schedule/],
  ['a misspelt setting', { releaseChanel: 'STABLE' }, /infra: Unrecognized key/],
];
for (const [label, infra, message] of invalidInfra) {
  test(`infra block: ${label} is refused with the setting named`, () => {
    assert.throws(
      () => fleetWith((raw) => (raw.infra = infra)),
      (e: Error) => e instanceof FleetConfigError && message.test(e.message),
    );
  });
}

test('the worker pods cannot share an account id with another Altus identity', () => {
  for (const id of ['altus-dispatch', 'altus-nodes']) {
    const fleet = fleetWith((raw) => (raw.workerServiceAccount.google = id));
    assert.throws(() => stackConfigFromFleet(fleet, rules), /another Altus identity/);
  }
});
