/**
 * Customer-managed encryption (`infra.kms`): off by default and then absent from
 * the stack; on, every bucket, topic, the Firestore database, both image
 * repositories, the results dataset, every cluster's Secrets and every node's boot
 * disk use a key of their own location, granted to exactly the service agent that
 * uses it, and nothing encrypted is created before those grants have propagated.
 * A key ring in the wrong location, or a location without one, fails the synth.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StackConfigError, stackConfigFromFleet } from '../../infra/config.ts';
import { KEY_ROTATION_PERIOD } from '../../infra/constructs/kms.ts';
import { TEST_FLEET, fleetWith, resources, synthFleet } from './fleet-fixture.ts';

const project = TEST_FLEET.project;
const ring = (location: string) => `projects/altus-keys/locations/${location}/keyRings/altus`;
/** One ring per location the default fleet needs: the topics, the hub region, each worker region (the worker images live in us-central1). */
const KEY_RINGS = Object.fromEntries(['global', 'us-east1', 'us-central1', 'europe-west4'].map((l) => [l, ring(l)]));
const withKms = (keyRings: Record<string, string> = KEY_RINGS) => fleetWith((raw) => (raw.infra = { ...raw.infra, kms: { keyRings } }));

const plain = synthFleet();
const cmek = synthFleet(withKms());
const r = (type: string) => resources(cmek.parsed, type);

/** The synthesized key (`${google_kms_crypto_key.<name>.id}`) of `purpose` in `location`. */
function keyRef(purpose: string, location: string): string {
  const found = Object.entries(r('google_kms_crypto_key')).filter(([, k]) => k.key_ring === ring(location) && k.labels.purpose === purpose);
  assert.equal(found.length, 1, `one ${purpose} key in ${location}`);
  return `\${google_kms_crypto_key.${found[0]![0]}.id}`;
}

test('off by default: no key, no KMS API, nothing names a key', () => {
  assert.equal(stackConfigFromFleet(TEST_FLEET, { firestoreRules: '' }).kms, undefined);
  assert.doesNotMatch(plain.json, /kms|cmek|database_encryption/i);
});

test('keys: one per location and purpose in the configured rings, rotated every 90 days, protected from destroy', () => {
  const keys = Object.values(r('google_kms_crypto_key'));
  const places = keys.map((k) => `${k.key_ring.split('/')[3]} ${k.labels.purpose}`).sort();
  assert.deepEqual(places, [
    'europe-west4 gke-disks',
    'europe-west4 gke-secrets',
    'global pubsub',
    'us-central1 gke-disks',
    'us-central1 gke-secrets',
    'us-central1 registry',
    'us-east1 bigquery',
    'us-east1 firestore',
    'us-east1 gke-disks',
    'us-east1 gke-secrets',
    'us-east1 registry',
    'us-east1 storage',
  ]);
  for (const k of keys) {
    assert.equal(k.rotation_period, KEY_ROTATION_PERIOD);
    assert.equal(Number.parseInt(KEY_ROTATION_PERIOD, 10), 90 * 86_400);
    assert.equal(k.lifecycle.prevent_destroy, true);
    assert.equal(k.name, `altus-dev-${k.labels.purpose}`);
  }
  assert.ok(Object.values(r('google_project_service')).some((s) => s.service === 'cloudkms.googleapis.com'));
});

test("every resource of the issue's list is encrypted with the key of its own location", () => {
  for (const b of Object.values(r('google_storage_bucket'))) assert.equal(b.encryption.default_kms_key_name, keyRef('storage', 'us-east1'), b.name);
  const topics = Object.values(r('google_pubsub_topic'));
  assert.ok(topics.length >= 7);
  for (const t of topics) assert.equal(t.kms_key_name, keyRef('pubsub', 'global'), t.name);
  const [db] = Object.values(r('google_firestore_database'));
  assert.equal(db!.cmek_config.kms_key_name, keyRef('firestore', 'us-east1'));
  const repos = Object.fromEntries(Object.values(r('google_artifact_registry_repository')).map((x) => [x.repository_id, x.kms_key_name]));
  assert.deepEqual(repos, { altus: keyRef('registry', 'us-central1'), 'altus-functions': keyRef('registry', 'us-east1') });
  const [dataset] = Object.values(r('google_bigquery_dataset'));
  assert.equal(dataset!.default_encryption_configuration.kms_key_name, keyRef('bigquery', 'us-east1'));

  const clusters = Object.values(r('google_container_cluster'));
  for (const c of clusters) {
    assert.deepEqual(c.database_encryption, { state: 'ENCRYPTED', key_name: keyRef('gke-secrets', c.location) }, c.name);
    const bootKey = c.enable_autopilot ? c.cluster_autoscaling.auto_provisioning_defaults.boot_disk_kms_key : c.node_config.boot_disk_kms_key;
    assert.equal(bootKey, keyRef('gke-disks', c.location), c.name);
  }
  const pools = Object.values(r('google_container_node_pool'));
  assert.equal(pools.length, 6);
  for (const p of pools) assert.equal(p.node_config.boot_disk_kms_key, keyRef('gke-disks', p.location), `${p.location}/${p.name}`);
});

test('each key is granted to the one service agent that uses it; the Firestore and Artifact Registry agents are created first', () => {
  const agents = Object.values(resources(cmek.parsed, 'google_project_service_identity'))
    .map((a) => a.service)
    .sort();
  assert.deepEqual(agents, ['artifactregistry.googleapis.com', 'eventarc.googleapis.com', 'firestore.googleapis.com', 'pubsub.googleapis.com']);
  const grants = Object.values(r('google_kms_crypto_key_iam_member'));
  assert.equal(grants.length, Object.keys(r('google_kms_crypto_key')).length);
  const memberOf = (purpose: string, location: string) => grants.filter((g) => g.crypto_key_id === keyRef(purpose, location)).map((g) => g.member);
  const expected: Array<[string, string, RegExp]> = [
    ['storage', 'us-east1', /google_storage_project_service_account\..*email_address/],
    ['pubsub', 'global', /google_project_service_identity\..*pubsub-agent.*\.email/],
    ['firestore', 'us-east1', /google_project_service_identity\..*firestore-agent.*\.email/],
    ['registry', 'us-central1', /google_project_service_identity\..*artifactregistry-agent.*\.email/],
    ['bigquery', 'us-east1', /google_bigquery_default_service_account\..*\.email/],
    ['gke-secrets', 'europe-west4', /^serviceAccount:service-\$\{data\.google_project\..*\.number\}@container-engine-robot\.iam\.gserviceaccount\.com$/],
    ['gke-disks', 'europe-west4', /^serviceAccount:service-\$\{data\.google_project\..*\.number\}@compute-system\.iam\.gserviceaccount\.com$/],
  ];
  for (const [purpose, location, member] of expected) {
    const members = memberOf(purpose, location);
    assert.equal(members.length, 1, `${purpose} in ${location}`);
    assert.match(members[0]!, member, `${purpose} in ${location}`);
  }
  for (const g of grants) assert.equal(g.role, 'roles/cloudkms.cryptoKeyEncrypterDecrypter');
});

test('nothing encrypted is created before its key grants have propagated (Google IAM "Access change propagation"), with one more wait than without CMEK', () => {
  const sleeps = resources(cmek.parsed, 'time_sleep');
  const [wait] = Object.entries(sleeps).filter(([, s]) => (s.depends_on ?? []).some((d: string) => d.startsWith('google_kms_crypto_key_iam_member.')));
  assert.ok(wait, 'no wait after the key grants');
  assert.ok(Number.parseInt(wait[1].create_duration, 10) >= 120);
  assert.equal(Object.keys(sleeps).length, Object.keys(resources(plain.parsed, 'time_sleep')).length + 1);
  const waited = `time_sleep.${wait[0]}`;
  const encrypted = [
    'google_storage_bucket',
    'google_pubsub_topic',
    'google_firestore_database',
    'google_artifact_registry_repository',
    'google_bigquery_dataset',
    'google_container_cluster',
    'google_container_node_pool',
  ];
  for (const type of encrypted) {
    for (const [name, body] of Object.entries(r(type))) assert.ok((body.depends_on ?? []).includes(waited), `${type}.${name} does not wait for its key grants`);
  }
  for (const g of Object.values(r('google_kms_crypto_key_iam_member'))) {
    assert.ok(
      g.depends_on.some((d: string) => d.startsWith('time_sleep.') && d.includes('service-agents-ready')),
      'a key grant does not wait for the new service agents',
    );
  }
});

const refused: Array<[string, Record<string, string>, RegExp]> = [
  [
    'a key ring from another region',
    { ...KEY_RINGS, 'europe-west4': ring('us-central1') },
    /infra\.kms\.keyRings\["europe-west4"\] is projects\/altus-keys\/locations\/us-central1\/keyRings\/altus, a key ring in us-central1: a Cloud KMS key encrypts only resources in its own location, so it cannot serve europe-west4/,
  ],
  [
    'a worker region without a key ring',
    Object.fromEntries(Object.entries(KEY_RINGS).filter(([l]) => l !== 'europe-west4')),
    /cluster worker-b is in europe-west4 and needs a key ring there .*infra\.kms\.keyRings names global, us-east1, us-central1/,
  ],
  [
    'topics without a global key ring',
    Object.fromEntries(Object.entries(KEY_RINGS).filter(([l]) => l !== 'global')),
    /the Pub\/Sub topics is in global and needs a key ring there/,
  ],
  [
    'the hub region without a key ring',
    Object.fromEntries(Object.entries(KEY_RINGS).filter(([l]) => l !== 'us-east1')),
    /the buckets, the Firestore database, the results dataset, the functions image repository, the hub altus-hub are in us-east1 and need a key ring there/,
  ],
];
for (const [label, keyRings, message] of refused) {
  test(`location rule: ${label} is refused at synth, naming what needs which location`, () => {
    assert.throws(
      () => stackConfigFromFleet(withKms(keyRings), { firestoreRules: '' }),
      (e: Error) => e instanceof StackConfigError && message.test(e.message),
    );
  });
}

test('infra.kms is validated: a key ring given by its short name is refused', () => {
  assert.throws(() => withKms({ global: 'altus' }), /infra\.kms\.keyRings\.global: a key ring name/);
  assert.equal(stackConfigFromFleet(withKms(), { firestoreRules: '' }).kms?.keys.length, 12);
  assert.equal(project, 'altus-demo-project');
});
