/**
 * The local stack picks its servers' ports before the processes that bind them
 * start: picked from the kernel's ephemeral range, a port could be taken by any
 * outgoing connection meanwhile, and the server would fail to start.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ephemeralPortRange, freePort } from '../../scripts/stack/processes.ts';

test('freePort picks distinct ports below the ephemeral range', async () => {
  const { low } = ephemeralPortRange();
  const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
  assert.equal(new Set(ports).size, ports.length, 'no port is handed out twice');
  for (const port of ports) assert.ok(port >= 10_000 && port < low, `${port} is below ${low}`);
});

test('ephemeralPortRange reads the kernel setting, and falls back to Linux defaults', () => {
  assert.deepEqual(
    ephemeralPortRange(() => '40000\t50000\n'),
    { low: 40_000, high: 50_000 },
  );
  assert.deepEqual(
    ephemeralPortRange(() => 'garbage'),
    { low: 32_768, high: 60_999 },
  );
  assert.deepEqual(
    ephemeralPortRange(() => {
      throw new Error('no /proc');
    }),
    { low: 32_768, high: 60_999 },
  );
});
