/**
 * The rules the stack deploys (functions/firestore.rules), loaded into the real
 * Firestore emulator: a client, signed in or not, is refused every read and
 * write, while the server identity the functions use (the emulator's admin
 * `owner` token, as the server SDKs send it) is not.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { RULES_PATH } from './fleet-fixture.ts';

const PROJECT = 'demo-rules';
const gcloud = spawnSync('gcloud', ['--version'], { stdio: 'ignore' });
const skip = gcloud.error ? 'gcloud (with the Firestore emulator) is not installed here' : false;

let emulator: ChildProcess | undefined;
let base = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, timeoutMilliseconds: number): Promise<void> {
  const deadline = Date.now() + timeoutMilliseconds;
  while (Date.now() < deadline) {
    if (emulator?.exitCode !== null && emulator?.exitCode !== undefined) throw new Error(`the emulator exited with ${emulator.exitCode}`);
    try {
      if ((await (await fetch(url)).text()).trim() === 'Ok') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Firestore emulator did not answer on ${url} within ${timeoutMilliseconds} ms`);
}

/** An unsigned ID token for a signed-in end user, as the emulator accepts from client SDKs. */
function userToken(uid: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: `https://securetoken.google.com/${PROJECT}`, aud: PROJECT, sub: uid, user_id: uid, auth_time: now, iat: now, exp: now + 3600 };
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

const documents = () => `${base}/v1/projects/${PROJECT}/databases/(default)/documents`;
const run = { fields: { status: { stringValue: 'RUNNING' } } };

async function call(method: string, path: string, token: string | undefined, body?: object): Promise<{ status: number; text: string }> {
  const response = await fetch(`${documents()}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, text: await response.text() };
}

before(async () => {
  if (skip) return;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Its own process group: the gcloud wrapper starts a Java server that outlives it.
  emulator = spawn('gcloud', ['emulators', 'firestore', 'start', `--host-port=127.0.0.1:${port}`, `--rules=${RULES_PATH}`], {
    detached: true,
    stdio: 'ignore',
  });
  await waitUntilUp(`${base}/`, 60_000);
  const created = await call('PATCH', '/runs/r1', 'owner', run);
  assert.equal(created.status, 200, created.text);
});

after(() => {
  if (emulator?.pid) {
    try {
      process.kill(-emulator.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

test('a client without credentials cannot read a run', { skip }, async () => {
  const { status, text } = await call('GET', '/runs/r1', undefined);
  assert.equal(status, 403, text);
  assert.match(text, /PERMISSION_DENIED/);
});

test('a signed-in user cannot read, list, create, update or delete anything', { skip }, async () => {
  const token = userToken('alice');
  for (const [method, path, body] of [
    ['GET', '/runs/r1'],
    ['GET', '/runs'],
    ['PATCH', '/runs/r2', run],
    ['PATCH', '/runs/r1', run],
    ['DELETE', '/runs/r1'],
    ['PATCH', '/runs/r1/shards/000001', run],
  ] as const) {
    const { status, text } = await call(method, path, token, body);
    assert.equal(status, 403, `${method} ${path}: ${text}`);
    assert.match(text, /PERMISSION_DENIED/, `${method} ${path}`);
  }
});

test('the server identity the functions use is not subject to the rules', { skip }, async () => {
  const { status, text } = await call('GET', '/runs/r1', 'owner');
  assert.equal(status, 200, text);
  assert.match(text, /RUNNING/);
});
