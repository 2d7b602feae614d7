/**
 * Every function is a gen2 Cloud Function built from the zipped build of the
 * repository, triggered and sized as the catalog says, with the runtime
 * environment shared/config.ts reads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Testing } from 'cdktf';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { parseRuntimeConfig } from '../../shared/config.ts';
import { FUNCTIONS } from '../../infra/function-catalog.ts';
import { TEST_FLEET, resources, synthFleet } from './fleet-fixture.ts';

const { stack, json, parsed, ref } = synthFleet();
const project = TEST_FLEET.project;
const has = (type: string, properties: Record<string, unknown>) =>
  assert.ok(Testing.toHaveResourceWithProperties(json, type, properties), `no ${type} with ${JSON.stringify(properties, null, 1)}`);
const body = (name: (typeof FUNCTIONS)[number]['name']) =>
  resources(parsed, Cloudfunctions2Function.tfResourceType)[stack.functions.byName[name].friendlyUniqueId]!;

test('all eight functions are deployed, each from the source archive under its own service account', () => {
  assert.deepEqual(
    Object.values(resources(parsed, Cloudfunctions2Function.tfResourceType))
      .map((f) => f.name)
      .sort(),
    ['altus-aggregate', 'altus-bootstrap', 'altus-collect', 'altus-dashboard', 'altus-dispatch', 'altus-ingest', 'altus-reconcile', 'altus-run-request'],
  );
  for (const spec of FUNCTIONS) {
    has(Cloudfunctions2Function.tfResourceType, {
      name: `altus-${spec.name}`,
      location: TEST_FLEET.hub.region,
      build_config: {
        runtime: 'nodejs20',
        entry_point: spec.entryPoint,
        source: { storage_source: { bucket: ref(stack.storage.sources.name), object: ref(stack.storage.functionsSource.name) } },
      },
      service_config: {
        service_account_email: ref(stack.identity.functions[spec.name].email),
        max_instance_count: spec.maxInstances,
        min_instance_count: 0,
        available_memory: spec.memory,
        timeout_seconds: spec.timeoutSeconds,
      },
    });
  }
});

test('the entry points are the ones the function entries register', () => {
  assert.deepEqual(
    FUNCTIONS.map((f) => f.entryPoint),
    ['ingest', 'run-request', 'dispatch', 'collect', 'aggregate', 'reconcile', 'dashboard', 'bootstrap'],
  );
});

test('ingest: an Eventarc trigger on object finalized in the manifests bucket, retried on failure', () => {
  has(Cloudfunctions2Function.tfResourceType, {
    name: 'altus-ingest',
    event_trigger: {
      event_type: 'google.cloud.storage.object.v1.finalized',
      event_filters: [{ attribute: 'bucket', value: ref(stack.storage.manifests.name) }],
      retry_policy: 'RETRY_POLICY_RETRY',
      service_account_email: ref(stack.identity.eventarcTrigger.email),
      trigger_region: TEST_FLEET.hub.region,
    },
  });
  // The trigger's IAM exists before the trigger is created.
  const dependsOn = body('ingest').depends_on as string[];
  // depends_on holds bare addresses (terraform init refuses "${…}" there).
  const address = (fqn: string) => ref(fqn).replace(/^\$\{|\}$/g, '');
  for (const grant of stack.access.triggerPrerequisites) assert.ok(dependsOn.includes(address(grant.fqn)), `ingest does not wait for ${address(grant.fqn)}`);
});

test("only ingest has an event trigger; only the dashboard and the deploy's bootstrap accept traffic from outside the project (and still need IAM)", () => {
  for (const spec of FUNCTIONS) {
    const fn = body(spec.name);
    assert.equal(fn.event_trigger !== undefined, spec.name === 'ingest', spec.name);
    assert.equal(fn.service_config.ingress_settings, spec.name === 'dashboard' || spec.name === 'bootstrap' ? 'ALLOW_ALL' : 'ALLOW_INTERNAL_ONLY', spec.name);
  }
});

test('dispatch, reconcile and bootstrap reach the private control planes through the VPC connector; the others have no VPC egress', () => {
  for (const spec of FUNCTIONS) {
    const config = body(spec.name).service_config;
    if (spec.name === 'dispatch' || spec.name === 'reconcile' || spec.name === 'bootstrap') {
      assert.equal(config.vpc_connector, ref(stack.network.connector.id));
      assert.equal(config.vpc_connector_egress_settings, 'PRIVATE_RANGES_ONLY');
    } else {
      assert.equal(config.vpc_connector, undefined, spec.name);
    }
  }
});

test('the runtime environment parses with shared/config.ts into GCS storage and the Kubernetes fleet', () => {
  const env = body('dispatch').service_config.environment_variables as Record<string, string>;
  const runtime = parseRuntimeConfig(env);
  assert.equal(runtime.projectId, project);
  assert.deepEqual(runtime.storage, { kind: 'gcs' });
  assert.deepEqual(runtime.fleet, { kind: 'kubernetes' });
  assert.deepEqual(runtime.buckets, { manifests: `${project}-altus-manifests`, results: `${project}-altus-results` });
  assert.equal(runtime.fleetConfigPath, '/workspace/altus.config.json');
});

test('the source archive is read by Terraform at plan time, named by its content hash, never at synth', () => {
  const local = stack.storage.functionsArchive.friendlyUniqueId;
  const locals = (JSON.parse(json) as { locals: Record<string, string> }).locals;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: `${path.module}` is Terraform interpolation, resolved by Terraform, not a JavaScript template
  assert.equal(locals[local], '${path.module}/../../../dist/functions.zip');
  has(StorageBucketObject.tfResourceType, {
    bucket: ref(stack.storage.sources.name),
    name: `functions/functions-\${filemd5(local.${local})}.zip`,
    source: `\${local.${local}}`,
  });
});
