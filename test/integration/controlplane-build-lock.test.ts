/**
 * Two starts on a fresh machine (two `altus up`, or CI beside a developer's
 * stack) build the control plane once: the second waits for the first's build
 * instead of compiling the same binary beside it on the same two cores.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { controlPlaneBinary } from '../../scripts/controlplane/binary.ts';
import { ensureControlPlane } from '../../scripts/controlplane/build.ts';

test('a build in progress elsewhere is waited for, not repeated', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'altus-cp-lock-'));
  const saved = process.env.ALTUS_CACHE_DIR;
  process.env.ALTUS_CACHE_DIR = cache;
  const builder = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const binary = controlPlaneBinary();
    mkdirSync(dirname(binary), { recursive: true });
    writeFileSync(`${binary}.lock`, String(builder.pid));
    const said: string[] = [];
    const waiting = ensureControlPlane((line) => said.push(line));
    // The other build finishes: its binary appears and its lock goes.
    setTimeout(() => {
      writeFileSync(binary, 'built elsewhere');
      rmSync(`${binary}.lock`);
    }, 1500);
    assert.equal(await waiting, binary);
    assert.match(said.join('\n'), new RegExp(`another process \\(pid ${builder.pid}\\) is building the control plane`));
    assert.ok(!said.some((line) => line.startsWith('building the local Kubernetes control plane')), `it built anyway: ${said.join('\n')}`);
  } finally {
    builder.kill();
    if (saved === undefined) delete process.env.ALTUS_CACHE_DIR;
    else process.env.ALTUS_CACHE_DIR = saved;
    rmSync(cache, { recursive: true, force: true });
  }
});
