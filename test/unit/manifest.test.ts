/** Manifest validation: defaults, and each class of bad manifest with its code (no network). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PermanentError } from '../../shared/errors.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { decodeManifestBytes } from '../../jobs/planning/decode.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const option = { type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 };
const scenarioBook = { rate: 0.05, underlyings: { SPX: { spot: 5000, volatility: 0.2 } }, positions: [{ type: 'underlying', underlying: 'SPX', quantity: 1 }] };
const base = { apiVersion: 'altus/v1', kind: 'Run', name: 'm', kernel: { name: 'black-scholes' }, parameters: { inline: [option] } };

test('the example manifests in examples/ are valid', () => {
  for (const file of ['hull-mc.json', 'book-mc.json', 'scenario-var.json']) {
    const v = validateManifest(decodeManifestBytes(readFileSync(new URL(`../../examples/${file}`, import.meta.url))), fleet);
    assert.ok(v.parameterCount! > 0, file);
  }
});

test('defaults: shardSize 1000, every output aggregated, default quantiles, 3 retries, seed 0', () => {
  const v = validateManifest({ ...base, kernel: { name: 'european-option-mc' } }, fleet);
  assert.equal(v.manifest.shardSize, 1000);
  assert.deepEqual(v.metrics, ['price', 'stdError']);
  assert.deepEqual(v.manifest.aggregate.quantiles, [0.01, 0.05, 0.5, 0.95, 0.99]);
  assert.equal(v.manifest.retries.perShard, 3);
  assert.equal(v.manifest.deadlineSeconds, 3600);
  assert.equal(v.kernelOptions.seed, 0);
  assert.equal(v.kernelOptions.paths, 100000);
  assert.equal(v.kernelOptions.antithetic, true);
});

test('expectedShortfall: accepted with a pnl metric, absent by default', () => {
  const scenario = { ...base, kernel: { name: 'scenario-revaluation', ...scenarioBook }, parameters: { inline: [{ spotReturn: -0.1 }] } };
  assert.equal(validateManifest(scenario, fleet).manifest.aggregate.expectedShortfall, undefined);
  const v = validateManifest({ ...scenario, aggregate: { expectedShortfall: [0.975, 0.99] } }, fleet);
  assert.deepEqual(v.manifest.aggregate.expectedShortfall, [0.975, 0.99]);
  assert.deepEqual(v.metrics, ['pnl', 'value']);
});

const rejected: Array<[string, unknown, string, RegExp]> = [
  ['kind missing', { ...base, kind: undefined }, 'MANIFEST_INVALID', /kind/],
  ['bad name', { ...base, name: 'has space' }, 'MANIFEST_INVALID', /name/],
  ['unknown field', { ...base, extra: 1 }, 'MANIFEST_INVALID', /unknown field\(s\) "extra"/],
  ['unknown kernel', { ...base, kernel: { name: 'nope' } }, 'UNKNOWN_KERNEL', /registered kernels/],
  ['bad kernel option type', { ...base, kernel: { name: 'european-option-mc', paths: 'many' } }, 'KERNEL_OPTIONS_INVALID', /kernel\.paths/],
  ['no source', { ...base, parameters: {} }, 'MANIFEST_INVALID', /exactly one parameter source: inline, file, grid, random/],
  ['empty inline', { ...base, parameters: { inline: [] } }, 'PARAMETERS_EMPTY', /at least one/],
  ['empty axes', { ...base, parameters: { grid: { base: option, axes: {} } } }, 'PARAMETERS_EMPTY', /axis/],
  [
    'grid base missing a key',
    { ...base, parameters: { grid: { base: { type: 'call' }, axes: { strike: [1, 2] } } } },
    'MANIFEST_INVALID',
    /parameters\.grid: spot/,
  ],
  ['metric not produced', { ...base, aggregate: { metrics: ['vega', 'stdError'] } }, 'MANIFEST_INVALID', /"stdError" not produced by black-scholes/],
  ['quantile out of range', { ...base, aggregate: { quantiles: [1.5] } }, 'MANIFEST_INVALID', /aggregate\.quantiles\.0/],
  ['shard size zero', { ...base, shardSize: 0 }, 'MANIFEST_INVALID', /shardSize/],
  ['unknown placement', { ...base, placement: { clusters: ['x'] } }, 'PLACEMENT_INVALID', /unknown cluster/],
  ['random count over cap', { ...base, parameters: { random: { count: 1e9, fields: {} } } }, 'MANIFEST_INVALID', /count/],
  [
    'expected shortfall without a pnl metric',
    { ...base, aggregate: { expectedShortfall: [0.99] } },
    'MANIFEST_INVALID',
    /aggregate\.expectedShortfall: .*"pnl".*black-scholes outputs price.*scenario-revaluation/,
  ],
  [
    'expected shortfall with pnl left out of the metrics',
    {
      ...base,
      kernel: { name: 'scenario-revaluation', ...scenarioBook },
      parameters: { inline: [{}] },
      aggregate: { metrics: ['value'], expectedShortfall: [0.99] },
    },
    'MANIFEST_INVALID',
    /add "pnl" to aggregate\.metrics/,
  ],
  ['expected shortfall level of 1', { ...base, aggregate: { expectedShortfall: [0.99, 1] } }, 'MANIFEST_INVALID', /aggregate\.expectedShortfall\.1/],
  [
    'expected shortfall level twice',
    { ...base, aggregate: { expectedShortfall: [0.99, 0.99] } },
    'MANIFEST_INVALID',
    /aggregate\.expectedShortfall: each level once/,
  ],
  ['expected shortfall with no level', { ...base, aggregate: { expectedShortfall: [] } }, 'MANIFEST_INVALID', /aggregate\.expectedShortfall/],
];

for (const [name, manifest, code, message] of rejected) {
  test(`rejects: ${name}`, () => {
    assert.throws(
      () => validateManifest(JSON.parse(JSON.stringify(manifest)), fleet),
      (error: unknown) => error instanceof PermanentError && error.code === code && message.test(error.message),
    );
  });
}

test('decode: not UTF-8, not JSON, too deep, too large', () => {
  const cases: Array<[Uint8Array, string]> = [
    [Buffer.from([0x7b, 0xff, 0x7d]), 'MANIFEST_NOT_JSON'],
    [Buffer.from('{"a":'), 'MANIFEST_NOT_JSON'],
    [Buffer.from('['.repeat(40) + ']'.repeat(40)), 'MANIFEST_INVALID'],
    [Buffer.alloc(11 * 1024 * 1024, 32), 'MANIFEST_TOO_LARGE'],
  ];
  for (const [bytes, code] of cases) {
    assert.throws(
      () => decodeManifestBytes(bytes),
      (e: unknown) => e instanceof PermanentError && e.code === code,
    );
  }
  assert.deepEqual(decodeManifestBytes(Buffer.from('\ufeff{"a":1}')), { a: 1 });
});

test('decode: a key given twice is refused naming the key and where; 1e400 is not finite, not null; no message quotes the content', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      '{"name": "a",\n "kernel": {"name": "black-scholes", "name": "european-option-mc"}}',
      'MANIFEST_INVALID',
      /^kernel: the key "name" appears twice; give each key once \(line 2, column 38\)$/,
    ],
    ['{"name": "a", "name": "b"}', 'MANIFEST_INVALID', /^the top level: the key "name" appears twice/],
    ['{"parameters": {"inline": [{"spot": 1e400}]}}', 'MANIFEST_INVALID', /^parameters\.inline\.0\.spot: not finite \(overflows a double\)/],
    ['{"name": "SECRET-CONTENT" oops}', 'MANIFEST_NOT_JSON', /^the manifest is not valid JSON: expected ',' or '}' after a member \(line 1, column 27\)$/],
  ];
  for (const [text, code, message] of cases) {
    assert.throws(
      () => decodeManifestBytes(Buffer.from(text)),
      (e: unknown) => e instanceof PermanentError && e.code === code && message.test(e.message),
      text,
    );
  }
});

test('decode: prototype keys and oversized objects are refused with the path', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"kernel": {"name": "x", "__proto__": {"polluted": true}}}', /kernel\.__proto__: the key "__proto__" is not allowed/],
    ['{"parameters": {"inline": [{"constructor": 1}]}}', /parameters\.inline\.0\.constructor/],
    [JSON.stringify(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i]))), /1001 keys; at most 1000/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => decodeManifestBytes(Buffer.from(text)),
      (e: unknown) => e instanceof PermanentError && e.code === 'MANIFEST_INVALID' && message.test(e.message),
    );
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
