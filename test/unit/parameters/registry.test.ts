/**
 * The parameter-source registry: how a `parameters` block is resolved and refused,
 * that every generated source reads a shard as the same slice of the whole, and
 * that a source registered from outside flows through validation like a built-in.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { PermanentError } from '../../../shared/errors.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { LocalObjectStore } from '../../../shared/storage/local-store.ts';
import { kernels } from '../../../jobs/kernels/registry.ts';
import { parameterSources, resolveSource, sourceKinds, type SourceRegistry } from '../../../jobs/parameters/registry.ts';
import { generatedBatches, type ParameterSource, type ShardInput } from '../../../jobs/parameters/source.ts';
import { validateManifest } from '../../../jobs/planning/validate.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'altus-sources-')));
const option = { type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 };

test('the built-in sources, in the order the manifest reference lists them', () => {
  assert.deepEqual(sourceKinds(), ['inline', 'file', 'grid', 'random', 'range']);
});

const refused: Array<[string, Record<string, unknown>, RegExp]> = [
  ['no source', {}, /^parameters: give exactly one parameter source: inline, file, grid, random, range$/],
  ['two sources', { inline: [option], grid: { axes: { strike: [1] } } }, /^parameters: give exactly one parameter source, found 2: inline, grid$/],
  ['an unknown kind', { sobel: { count: 3 } }, /^parameters: unknown parameter source "sobel"; the sources are inline, file, grid, random, range$/],
  ['a block its schema refuses', { grid: { axes: { strike: { from: 1, to: 2 } } } }, /^parameters\.grid\.axes\.strike: /],
  ['an unknown field in a block', { random: { count: 2, fields: {}, sead: 1 } }, /^parameters\.random: unknown field\(s\) "sead"$/],
  ['a file with no format', { file: { uri: 'p.csv' } }, /^parameters\.file\.format: /],
];

for (const [name, parameters, message] of refused) {
  test(`resolve refuses ${name} with MANIFEST_INVALID`, () => {
    assert.throws(
      () => resolveSource(parameters),
      (error: unknown) => error instanceof PermanentError && error.code === 'MANIFEST_INVALID' && message.test(error.message),
    );
  });
}

test('the decoded block carries its defaults into the validated manifest', () => {
  const v = validateManifest(
    {
      apiVersion: 'altus/v1',
      kind: 'Run',
      name: 'd',
      kernel: { name: 'black-scholes' },
      parameters: { random: { count: 5, base: option, fields: { spot: { uniform: [40, 44] } } } },
    },
    fleet,
  );
  assert.deepEqual(v.manifest.parameters, { random: { count: 5, seed: 0, base: option, fields: { spot: { uniform: [40, 44] } } } });
  assert.equal(v.parameterCount, 5);
});

/** A block of each generated source, with the count it must yield. */
const generated: Array<[string, Record<string, unknown>, number]> = [
  ['inline', { inline: Array.from({ length: 23 }, (_, i) => ({ ...option, strike: 30 + i })) }, 23],
  ['grid', { grid: { base: option, axes: { strike: { from: 30, to: 50, steps: 9 }, volatility: [0.1, 0.2, 0.3] } } }, 27],
  ['random', { random: { count: 31, seed: 3, base: option, fields: { spot: { uniform: [40, 44] } } } }, 31],
  ['range', { range: { key: 'strike', from: 30, to: 50, step: 0.75, base: option } }, 27],
];

async function readAll(batches: AsyncIterable<ShardInput[]>): Promise<ShardInput[]> {
  const out: ShardInput[] = [];
  for await (const batch of batches) out.push(...batch);
  return out;
}

for (const [kind, parameters, count] of generated) {
  test(`${kind}: counts ${count}, and every shard of every size reads its slice of the whole, index by index`, async () => {
    const source = resolveSource(parameters);
    assert.equal(source.inspect().count, count);
    const whole = await readAll(source.read({ shard: 0, start: 0, end: count, file: undefined, store }));
    assert.deepEqual(
      whole.map((s) => s.index),
      Array.from({ length: count }, (_, i) => i),
    );
    for (const shardSize of [1, 4, 10, count]) {
      for (let shard = 0; shard * shardSize < count; shard++) {
        const start = shard * shardSize;
        const end = Math.min(count, start + shardSize);
        assert.deepEqual(
          await readAll(source.read({ shard, start, end, file: undefined, store })),
          whole.slice(start, end),
          `${kind} shard ${shard} at size ${shardSize}`,
        );
      }
    }
  });
}

test('a source registered from outside is validated, counted and shape-checked like a built-in', () => {
  const repeat: ParameterSource<{ times: number; set: Record<string, unknown> }> = {
    kind: 'repeat',
    schema: z.object({ times: z.number().int().min(0), set: z.record(z.string(), z.unknown()) }).strict(),
    inspect: (block) => ({ count: block.times, samples: [{ where: 'parameters.repeat.set', params: block.set }] }),
    read: (block, { start, end }) => generatedBatches(start, end, () => block.set),
  };
  const registry: SourceRegistry = new Map([...parameterSources, ['repeat', repeat as unknown as ParameterSource]]);
  const manifest = (parameters: unknown) => ({ apiVersion: 'altus/v1', kind: 'Run', name: 'r', kernel: { name: 'black-scholes' }, parameters });
  assert.equal(validateManifest(manifest({ repeat: { times: 7, set: option } }), fleet, kernels, registry).parameterCount, 7);
  const failure = (parameters: unknown) => {
    try {
      validateManifest(manifest(parameters), fleet, kernels, registry);
    } catch (error) {
      return error instanceof PermanentError ? `${error.code}: ${error.message}` : String(error);
    }
    return 'accepted';
  };
  assert.match(failure({ repeat: { times: 0, set: option } }), /^PARAMETERS_EMPTY: /);
  assert.match(failure({ repeat: { times: 2, set: { type: 'call' } } }), /^MANIFEST_INVALID: parameters\.repeat\.set: spot/);
  assert.match(failure({ repeat: { times: 2 } }), /^MANIFEST_INVALID: parameters\.repeat\.set: /);
  assert.match(failure({ repeat: { times: 2, set: option } }), /^accepted$/);
  // The built-in registry does not know it.
  assert.throws(() => validateManifest(manifest({ repeat: { times: 7, set: option } }), fleet), /unknown parameter source "repeat"/);
});

test('only a file source with a relative URI has a local file for the CLI to upload', () => {
  const cases: Array<[Record<string, unknown>, string | undefined]> = [
    [{ file: { uri: 'params/book.csv', format: 'csv' } }, 'params/book.csv'],
    [{ file: { uri: 'gs://bucket/book.csv', format: 'csv' } }, undefined],
    [{ inline: [option] }, undefined],
    [{ range: { key: 'strike', from: 1, to: 2, step: 1 } }, undefined],
  ];
  for (const [parameters, local] of cases) assert.equal(resolveSource(parameters).localFile(), local, JSON.stringify(parameters));
});
