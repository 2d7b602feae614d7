/**
 * The local fleet's pod pool serves waiting indexes round-robin across Jobs: a
 * Job queued behind a big one starts its first index after at most one index of
 * each Job ahead of it, not after all of them.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PodPool } from '../../../jobs/fleet/local/pod-pool.ts';

const pool = new PodPool(1);
after(() => pool.close());

test('pod pool: round-robin across Jobs; each index runs once and reports its exit', async () => {
  const started: string[] = [];
  // An empty environment is refused by the worker at once (exit 43): fast pods.
  const run = (group: string, i: number) => pool.run({}, [], () => started.push(`${group}${i}`), group).then((exit) => exit.exitCode);
  const big = Array.from({ length: 6 }, (_, i) => run('A', i));
  const small = [run('B', 0), run('B', 1)];
  const exits = await Promise.all([...big, ...small]);
  assert.deepEqual(exits, Array(8).fill(43));
  assert.equal(started.length, 8);
  // A0 may have taken the idle slot before B queued; B0 must start within the next two.
  assert.ok(started.indexOf('B0') <= 2, `B0 started ${started.indexOf('B0')}th: ${started.join(' ')}`);
  assert.ok(started.indexOf('B1') <= 4, `B1 started ${started.indexOf('B1')}th: ${started.join(' ')}`);
  assert.deepEqual(
    started.filter((s) => s.startsWith('A')),
    ['A0', 'A1', 'A2', 'A3', 'A4', 'A5'],
  );
});

test('pod pool: a pod killed while others wait does not hand its replacement to two indexes (each index reports back)', async () => {
  const local = new PodPool(1);
  try {
    let killed = false;
    const runs = Array.from({ length: 4 }, (_, i) =>
      local.run(
        {},
        [],
        (pid) => {
          // The first index is deleted as it starts, with three more waiting: the replacement process is offered to one of them.
          if (!killed) {
            killed = true;
            local.kill(pid);
          }
        },
        `job-${i % 2}`,
      ),
    );
    const exits = await Promise.race([
      Promise.all(runs),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('an index never reported back')), 60_000)),
    ]);
    assert.deepEqual(
      exits.map((e) => e.exitCode),
      [137, 43, 43, 43],
    );
  } finally {
    await local.close();
  }
});

test('pod pool: an index handed to a process that died just before the hand-over is reported lost (137), and the pool survives', async () => {
  const local = new PodPool(1);
  try {
    const exits = await Promise.race([
      Promise.all([
        local.run({}, [], (pid) => {
          process.kill(pid, 'SIGKILL');
          // Block until the process is surely gone, so the hand-over writes to a dead pipe (EPIPE).
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        }),
        local.run({}, []),
      ]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('an index never reported back')), 60_000)),
    ]);
    assert.deepEqual(
      exits.map((e) => e.exitCode),
      [137, 43],
    );
  } finally {
    await local.close();
  }
});
