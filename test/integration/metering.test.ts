/**
 * Metering is a dependency: a meter built from settings writes its counts and
 * peak memory to `<dir>/<role>-<pid>.json` (when asked, after a count, and when
 * the process exits); without settings it is a no-op; and importing the module
 * starts nothing, whatever the environment says.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseMeterSettings, parseRuntimeConfig } from '../../shared/config.ts';
import { createFileMeter, createMeter, NO_METER, type MeteredProcess, type MeterRecord } from '../../shared/metering.ts';
import { waitFor } from '../support/wait-for.ts';

/** A process whose exit the test triggers. */
function fakeProcess(pid: number): MeteredProcess & { exit(): void } {
  const listeners: Array<() => void> = [];
  return {
    pid,
    maxRssBytes: () => 42 * 2 ** 20,
    onExit: (l) => void listeners.push(l),
    exit: () => {
      for (const l of listeners) l();
    },
  };
}

const records = (dir: string): MeterRecord[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as MeterRecord);

test('metering: a file meter writes its role, counts and peak memory to <dir>/<role>-<pid>.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'altus-meter-'));
  const meter = createFileMeter({ dir, role: 'ingest' }, fakeProcess(7), () => new Date('2026-01-02T03:04:05Z'));
  meter.count('pubsubMessages');
  meter.count('pubsubMessages', 4);
  meter.count('firestoreWrites', 2);
  meter.flush();
  assert.deepEqual(readdirSync(dir), ['ingest-7.json']);
  assert.deepEqual(records(dir), [
    { role: 'ingest', pid: 7, counts: { pubsubMessages: 5, firestoreWrites: 2 }, maxRssBytes: 42 * 2 ** 20, writtenAt: '2026-01-02T03:04:05.000Z' },
  ]);
});

test('metering: a count is written within the flush interval, and once more at exit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'altus-meter-'));
  const host = fakeProcess(8);
  const meter = createFileMeter({ dir, role: 'collect' }, host);
  meter.count('firestoreWrites');
  await waitFor(() => records(dir)[0]?.counts.firestoreWrites === 1, { timeoutMs: 5000, what: 'the first count on disk' });
  meter.count('firestoreWrites', 3);
  host.exit();
  assert.equal(records(dir)[0]?.counts.firestoreWrites, 4, 'the exit hook wrote the last counts at once');
});

test('metering: settings from the environment, table-driven', () => {
  const cases: Array<[env: Record<string, string>, settings: ReturnType<typeof parseMeterSettings>]> = [
    [{}, undefined],
    [{ ALTUS_METER_ROLE: 'ingest' }, undefined],
    [{ ALTUS_METER_DIR: '/m' }, { dir: '/m', role: 'process' }],
    [
      { ALTUS_METER_DIR: '/m', ALTUS_METER_ROLE: 'worker' },
      { dir: '/m', role: 'worker' },
    ],
  ];
  for (const [env, settings] of cases) {
    assert.deepEqual(parseMeterSettings(env), settings, JSON.stringify(env));
    assert.deepEqual(parseRuntimeConfig({ ALTUS_PROJECT_ID: 'p', ...env }).meter, settings, JSON.stringify(env));
  }
  assert.equal(createMeter(undefined), NO_METER);
});

test('metering: importing the module (and the clients that count) starts nothing, even with ALTUS_METER_DIR set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'altus-meter-'));
  const modules = ['../../shared/metering.ts', '../../shared/run-store.ts', '../../shared/bus.ts'].map((m) =>
    JSON.stringify(fileURLToPath(new URL(m, import.meta.url))),
  );
  // The process lives 1.5 s after the imports: long enough for a timer started by an import to write its record.
  const script = `${modules.map((m) => `await import(${m});`).join(' ')} setTimeout(() => {}, 1500);`;
  const out = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {
    env: { ...process.env, ALTUS_METER_DIR: dir, ALTUS_METER_ROLE: 'ingest' },
    encoding: 'utf8',
  });
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual(readdirSync(dir), [], 'no record written by an import');
});
