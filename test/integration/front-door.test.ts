/**
 * The local stack's front door: requests pass through to a function's server,
 * and a request sent while the server is down waits for it to come back instead
 * of being refused.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Server as TcpServer } from 'node:net';
import { after, test } from 'node:test';
import { openFrontDoor } from '../../scripts/stack/front-door.ts';
import { freePort } from '../../scripts/stack/processes.ts';

const servers: Array<Server | TcpServer> = [];
after(() => {
  for (const s of servers) s.close();
});

function backend(port: number, body: string): Promise<Server> {
  const server = createServer((_req, res) => res.end(body));
  servers.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

test('front door: passes requests through, and holds one sent while the function is down until it is back', async () => {
  const [publicPort, backendPort] = await Promise.all([freePort(), freePort()]);
  servers.push(await openFrontDoor(publicPort, backendPort, 10_000));
  const first = await backend(backendPort, 'first');
  assert.equal(await (await fetch(`http://127.0.0.1:${publicPort}/`)).text(), 'first');
  await new Promise<void>((resolve) => first.close(() => resolve()));
  first.closeAllConnections();
  const held = fetch(`http://127.0.0.1:${publicPort}/`, { headers: { connection: 'close' } }).then((r) => r.text());
  // The function stays down a while on purpose (a restart takes time): the request must be held, not refused.
  await new Promise((r) => setTimeout(r, 700));
  await backend(backendPort, 'restarted');
  assert.equal(await held, 'restarted');
});

test('front door: a function that stays down past the hold is refused (the sender retries later)', async () => {
  const [publicPort, backendPort] = await Promise.all([freePort(), freePort()]);
  servers.push(await openFrontDoor(publicPort, backendPort, 500));
  await assert.rejects(fetch(`http://127.0.0.1:${publicPort}/`));
});
