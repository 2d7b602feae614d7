/**
 * The rules the stack deploys (functions/firestore.rules), loaded into the real
 * Firestore emulator: a client, signed in or not, is refused every read and
 * write, while the server identity the functions use (the emulator's admin
 * `owner` token, as the server SDKs send it) is not.
 *
 * @own-stack
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFirestoreEmulator } from '../../scripts/stack/emulators.ts';
import { freePort, stopProcessGroup, type ManagedProcess } from '../../scripts/stack/processes.ts';
import { RULES_PATH } from './fleet-fixture.ts';

const PROJECT = 'demo-rules';
const gcloud = spawnSync('gcloud', ['--version'], { stdio: 'ignore' });
const skip = gcloud.error ? 'gcloud (with the Firestore emulator) is not installed here' : false;

let emulator: ManagedProcess | undefined;
let base = '';

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
  // The local stack's launcher: its own process group (the gcloud wrapper's Java server outlives the wrapper).
  const scratch = mkdtempSync(join(tmpdir(), 'altus-rules-'));
  emulator = await startFirestoreEmulator(port, join(scratch, 'data'), scratch, RULES_PATH);
  const created = await call('PATCH', '/runs/r1', 'owner', run);
  assert.equal(created.status, 200, created.text);
});

after(async () => {
  if (emulator) await stopProcessGroup(emulator.pid, 1000);
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
