/**
 * The `range` source: one key stepped over a base set. Counts and values at the
 * ends (float noise must not lose or add a point), refusals, determinism, and a
 * run planned and read through it as a worker reads it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { PermanentError } from '../../../shared/errors.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { LocalObjectStore } from '../../../shared/storage/local-store.ts';
import { createRange, rangeParameters } from '../../../jobs/parameters/range.ts';
import { resolveSource } from '../../../jobs/parameters/registry.ts';
import { planRun } from '../../../jobs/planning/plan.ts';
import { validateManifest } from '../../../jobs/planning/validate.ts';
import { shardInputs } from '../../../jobs/worker/shard-input.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const option = { type: 'call', spot: 100, rate: 0.05, volatility: 0.2, maturity: 1 };

const points: Array<[string, { from: number; to: number; step: number }, number[]]> = [
  ['a strike ladder, both ends included', { from: 80, to: 82, step: 0.5 }, [80, 80.5, 81, 81.5, 82]],
  [
    '0.3 / 0.1 is 2.9999999999999996 in doubles: still four points, the last exactly 0.3 (3 × 0.1 is 0.30000000000000004)',
    { from: 0, to: 0.3, step: 0.1 },
    [0, 0.1, 0.2, 0.3],
  ],
  ['an end off the step is not reached', { from: 0, to: 1, step: 0.3 }, [0, 0.3, 0.6, 0.8999999999999999]],
  ['from == to is one point', { from: 5, to: 5, step: 1 }, [5]],
  ['negative values', { from: -1, to: 1, step: 1 }, [-1, 0, 1]],
];

for (const [name, bounds, expected] of points) {
  test(`range: ${name}`, () => {
    const range = createRange({ key: 'x', base: {}, ...bounds });
    assert.equal(range.count, expected.length);
    assert.deepEqual(
      Array.from({ length: range.count }, (_, i) => rangeParameters(range, i).x),
      expected,
    );
  });
}

test('range: the base keys first, the key set (or overridden) last; set i depends on i alone', () => {
  const range = createRange({ key: 'strike', from: 80, to: 120, step: 0.5, base: option });
  assert.equal(range.count, 81);
  assert.deepEqual(rangeParameters(range, 3), { ...option, strike: 81.5 });
  assert.deepEqual(Object.keys(rangeParameters(range, 0)), ['type', 'spot', 'rate', 'volatility', 'maturity', 'strike']);
  const over = createRange({ key: 'spot', from: 90, to: 110, step: 10, base: option });
  assert.deepEqual(rangeParameters(over, 1), option, 'spot 100 replaces the base spot in place');
  const again = createRange({ key: 'strike', from: 80, to: 120, step: 0.5, base: option });
  assert.deepEqual(rangeParameters(again, 57), rangeParameters(range, 57));
});

const refused: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ['step 0', { key: 'strike', from: 1, to: 2, step: 0 }, 'MANIFEST_INVALID', /^parameters\.range\.step: must be > 0$/],
  ['to below from', { key: 'strike', from: 2, to: 1, step: 1 }, 'MANIFEST_INVALID', /^parameters\.range\.to: to must be >= from$/],
  ['a prototype key', { key: '__proto__', from: 1, to: 2, step: 1 }, 'MANIFEST_INVALID', /^parameters\.range\.key: this key is not allowed$/],
  ['an empty key', { key: '', from: 1, to: 2, step: 1 }, 'MANIFEST_INVALID', /^parameters\.range\.key: /],
  ['steps as in a grid axis', { key: 'strike', from: 1, to: 2, steps: 3 }, 'MANIFEST_INVALID', /unknown field\(s\) "steps"/],
  ['more points than the cap', { key: 'strike', from: 0, to: 1e300, step: 1e-300 }, 'PARAMETERS_TOO_MANY', /^parameters\.range: .*more than 100000000 points/],
];

for (const [name, block, code, message] of refused) {
  test(`range refuses ${name} (${code})`, () => {
    assert.throws(
      () => resolveSource({ range: block }).inspect(),
      (error: unknown) => error instanceof PermanentError && error.code === code && message.test(error.message),
    );
  });
}

test('range: a run is validated against the kernel, planned, and each shard reads its points', async () => {
  const manifest = {
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 'ladder',
    kernel: { name: 'black-scholes' },
    shardSize: 10,
    parameters: { range: { key: 'strike', from: 80, to: 120, step: 0.5, base: option } },
  };
  const validated = validateManifest(manifest, fleet);
  assert.equal(validated.parameterCount, 81);
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-range-')));
  const plan = await planRun({ runId: 'ladder', validated, store, manifestsBucket: 'm', resultsBucket: 'r', manifestObject: null });
  assert.equal(plan.shardCount, 9);
  assert.ok(
    plan.results?.format === 'parquet' && plan.results.schema.params.some((c) => c.key === 'strike' && c.type === 'DOUBLE'),
    'strike is a results column',
  );
  const last: Array<{ index: number; strike: unknown }> = [];
  for await (const item of shardInputs(plan, 8, store)) last.push({ index: item.index, strike: item.params?.strike });
  assert.deepEqual(last, [{ index: 80, strike: 120 }]);
  const fourth: unknown[] = [];
  for await (const item of shardInputs(plan, 3, store)) fourth.push(item.params?.strike);
  assert.deepEqual(
    fourth,
    Array.from({ length: 10 }, (_, i) => 80 + (30 + i) * 0.5),
  );
  // A kernel's shape is checked on the first point: a base without spot is refused before anything runs.
  const { spot: _spot, ...noSpot } = option;
  assert.throws(
    () => validateManifest({ ...manifest, parameters: { range: { key: 'strike', from: 80, to: 120, step: 0.5, base: noSpot } } }, fleet),
    /parameters\.range: spot/,
  );
});
