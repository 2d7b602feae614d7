/**
 * Metering: off without ALTUS_METER_DIR; on, a process writes its counts and
 * peak memory to `<dir>/<role>-<pid>.json`, at the latest when it exits.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const METERING = fileURLToPath(new URL('../../shared/metering.ts', import.meta.url));
const script = `import { count } from ${JSON.stringify(METERING)};
count('pubsubMessages'); count('pubsubMessages', 4); count('firestoreWrites', 2);`;

function runWith(env: Record<string, string>, cwd?: string) {
  const { ALTUS_METER_DIR: _, ...inherited } = process.env;
  const out = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { env: { ...inherited, ...env }, cwd, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
}

test('metering: counts and peak memory written per process when ALTUS_METER_DIR is set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'altus-meter-'));
  runWith({ ALTUS_METER_DIR: dir, ALTUS_METER_ROLE: 'ingest' });
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^ingest-\d+\.json$/);
  const record = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
  assert.deepEqual(record.counts, { pubsubMessages: 5, firestoreWrites: 2 });
  assert.equal(record.role, 'ingest');
  assert.ok(record.maxRssBytes > 10 * 2 ** 20 && record.maxRssBytes < 2 ** 31, `peak RSS ${record.maxRssBytes}`);
});

test('metering: nothing written without ALTUS_METER_DIR', () => {
  const dir = mkdtempSync(join(tmpdir(), 'altus-meter-'));
  runWith({ ALTUS_METER_ROLE: 'ingest' }, dir);
  assert.deepEqual(readdirSync(dir), []);
});
