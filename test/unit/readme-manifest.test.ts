/** The README's minimal manifest is valid and means what the README says of its defaults. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeManifestBytes } from '../../jobs/planning/decode.ts';
import { validateManifest } from '../../jobs/planning/validate.ts';
import { threeClusters } from '../support/fleet-fixtures.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test("the README's minimal manifest validates, with the defaults the README lists", () => {
  const section = README.split(/^## /m).find((part) => part.startsWith('A minimal manifest'));
  assert.ok(section, 'README.md has a "## A minimal manifest" section');
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(json, 'the section holds a json block');
  const validated = validateManifest(decodeManifestBytes(Buffer.from(json)), threeClusters);
  assert.equal(validated.parameterCount, 1);
  assert.equal(validated.manifest.shardSize, 1000);
  assert.deepEqual(validated.metrics, ['price', 'stdError'], 'every output aggregated');
  assert.deepEqual(validated.manifest.aggregate.quantiles, [0.01, 0.05, 0.5, 0.95, 0.99]);
  assert.equal(validated.manifest.retries.perShard, 3);
  assert.equal(validated.manifest.deadlineSeconds, 3600);
  assert.equal(validated.manifest.placement.clusters, undefined, 'every worker cluster');
  assert.equal(validated.manifest.results.format, 'parquet');
});
