/**
 * A function's front door in the local stack: a TCP listener on the function's
 * public port that hands each connection to the function's server, and, while
 * that server is down (a crashed function restarting), holds the connection and
 * keeps trying for a while, as Cloud Functions holds a request while a new
 * instance starts. Without it the Pub/Sub emulator would spend a message's
 * delivery attempts on refused connections within seconds and dead-letter it.
 *
 * Plain TCP: requests and keep-alive connections pass through untouched; a
 * server that dies mid-request resets its connection, which the sender sees
 * as a failed delivery and retries.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** How long a connection waits for a function that is down before it is refused. */
export const HOLD_WHILE_DOWN_MILLISECONDS = 60_000;
const RETRY_MILLISECONDS = 200;

/** Listens on `publicPort` and forwards to 127.0.0.1:`backendPort`. */
export function openFrontDoor(publicPort: number, backendPort: number, holdMilliseconds = HOLD_WHILE_DOWN_MILLISECONDS): Promise<Server> {
  const server = createServer((client) => {
    client.pause();
    client.on('error', () => client.destroy());
    const giveUpAt = Date.now() + holdMilliseconds;
    const attempt = (): void => {
      const backend = createConnection({ host: '127.0.0.1', port: backendPort });
      backend.once('connect', () => splice(client, backend));
      backend.once('error', (error: NodeJS.ErrnoException) => {
        backend.destroy();
        if (error.code === 'ECONNREFUSED' && !client.destroyed && Date.now() < giveUpAt) setTimeout(attempt, RETRY_MILLISECONDS);
        else client.destroy();
      });
    };
    attempt();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(publicPort, '127.0.0.1', () => resolve(server));
  });
}

function splice(client: Socket, backend: Socket): void {
  backend.on('error', () => client.destroy());
  client.on('close', () => backend.destroy());
  backend.on('close', () => client.destroy());
  client.pipe(backend);
  backend.pipe(client);
  client.resume();
}
