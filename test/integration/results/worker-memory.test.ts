/**
 * A 100,000-row shard written as Parquet (columns held in memory until the part
 * is encoded) stays within the worker's limits: under the image's 128 MB V8 heap
 * cap, and under 256 MB of peak RSS, in a process of its own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../../..');

test("a 100,000-row Parquet shard peaks under 256 MB RSS with the worker's 128 MB heap cap", () => {
  const out = execFileSync(
    process.execPath,
    [
      '--max-old-space-size=128',
      '--import',
      'tsx',
      join(ROOT, 'scripts/bench/shard-profile.ts'),
      '--format',
      'parquet',
      '--shard-size',
      '100000',
      '--shard',
      '3',
      '--repeat',
      '1',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  const report = JSON.parse(out.trim().split('\n').pop()!) as { rows: number; peakRssMb: number; bytesPerRow: number };
  assert.equal(report.rows, 100_000);
  assert.ok(report.peakRssMb < 256, `peak RSS ${report.peakRssMb} MB`);
  assert.ok(report.bytesPerRow < 80, `${report.bytesPerRow} bytes per row`);
});
