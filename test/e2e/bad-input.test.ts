/**
 * Bad manifests through the real stack: each ends REJECTED with a documented code
 * and a message that says what to fix; no Job is created; the stack keeps serving.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseManifest, fleetJobsFor, runManifest, testStack, writeManifest } from '../support/stack.ts';

const cases: Array<{ name: string; manifest: unknown; code: string; says: RegExp }> = [
  { name: 'invalid JSON', manifest: '{"apiVersion": "altus/v1", ', code: 'MANIFEST_NOT_JSON', says: /not valid JSON/ },
  { name: 'wrong apiVersion', manifest: baseManifest({ apiVersion: 'altus/v2' }), code: 'MANIFEST_INVALID', says: /apiVersion/ },
  {
    name: 'unknown kernel',
    manifest: baseManifest({ kernel: { name: 'black-sholes' } }),
    code: 'UNKNOWN_KERNEL',
    says: /black-sholes.*registered kernels: .*black-scholes/,
  },
  { name: 'unknown top-level field', manifest: baseManifest({ shardsize: 10 }), code: 'MANIFEST_INVALID', says: /unknown field\(s\) "shardsize"/ },
  {
    name: 'unknown kernel option',
    manifest: baseManifest({ kernel: { name: 'european-option-mc', path: 10 } }),
    code: 'KERNEL_OPTIONS_INVALID',
    says: /kernel.*"path"/,
  },
  { name: 'missing parameters', manifest: (({ parameters: _p, ...rest }) => rest)(baseManifest()), code: 'MANIFEST_INVALID', says: /parameters/ },
  { name: 'empty parameter set', manifest: baseManifest({ parameters: { inline: [] } }), code: 'PARAMETERS_EMPTY', says: /at least one/ },
  {
    name: 'two parameter sources',
    manifest: baseManifest({ parameters: { inline: [{ type: 'call' }], random: { count: 3, fields: {} } } }),
    code: 'MANIFEST_INVALID',
    says: /exactly one parameter source, found 2: inline, random/,
  },
  {
    name: 'absurd size',
    manifest: baseManifest({
      parameters: {
        grid: {
          base: { type: 'call', spot: 1, rate: 0, maturity: 1, volatility: 0.2 },
          axes: { strike: { from: 1, to: 2, steps: 100000 }, spot: { from: 1, to: 2, steps: 100000 } },
        },
      },
    }),
    code: 'PARAMETERS_TOO_MANY',
    says: /10000000000 parameter sets; the cap is/,
  },
  {
    name: 'too many shards',
    manifest: baseManifest({
      shardSize: 1,
      parameters: {
        random: { count: 1000000, base: { type: 'call', spot: 1, strike: 1, rate: 0, maturity: 1 }, fields: { volatility: { uniform: [0.1, 0.2] } } },
      },
    }),
    code: 'TOO_MANY_SHARDS',
    says: /Use shardSize >= 10/,
  },
  {
    name: 'missing parameter field',
    manifest: baseManifest({ parameters: { inline: [{ type: 'call', spot: 42 }] } }),
    code: 'MANIFEST_INVALID',
    says: /parameters\.inline\.0: strike/,
  },
  {
    name: 'unknown cluster',
    manifest: baseManifest({ placement: { clusters: ['worker-z'] } }),
    code: 'PLACEMENT_INVALID',
    says: /worker-z.*worker-a, worker-b/,
  },
  {
    name: 'missing parameter file',
    manifest: baseManifest({ parameters: { file: { uri: 'gs://altus-manifests/nope.ndjson', format: 'ndjson' } } }),
    code: 'PARAMETERS_FILE_MISSING',
    says: /does not exist/,
  },
];

describe('bad manifests are rejected with a clear error', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const stack = testStack();
      const run = await runManifest(stack, writeManifest(`bad-${c.name.replace(/\W+/g, '-')}.json`, c.manifest));
      assert.equal(run.status, 'REJECTED');
      assert.equal(run.error?.code, c.code, run.error?.message);
      assert.match(run.error!.message, c.says);
      assert.ok(run.finishedAt);
      assert.deepEqual(await fleetJobsFor(stack, run.runId), [], 'no Job is created for a rejected run');
    });
  }

  test('the stack keeps serving after every rejection', async () => {
    const run = await runManifest(testStack(), writeManifest('after-bad.json', baseManifest()));
    assert.equal(run.status, 'SUCCEEDED');
  });
});
