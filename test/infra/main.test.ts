/**
 * The app itself, as `cdktf synth` runs it (`npx tsx infra/main.ts` with the
 * CLI's CDKTF_OUTDIR): offline, from the fleet configuration ALTUS_FLEET_CONFIG
 * names, one stack named after the environment; a broken configuration fails
 * with a message a person can act on.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { checkPolicies } from '../../infra/policy.ts';
import { parseFleetConfig } from '../../shared/fleet-config.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'altus-infra-main-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function runApp(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/main.ts'], {
      cwd: root,
      env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
      timeout: 60_000,
    });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

test('synthesizes one stack per environment from the configuration ALTUS_FLEET_CONFIG names', async () => {
  const raw = JSON.parse(readFileSync(TEST_FLEET_CONFIG, 'utf8')) as Record<string, unknown>;
  const fleetPath = join(work, 'prod.json');
  // Deployment settings come from the same file: no code edit.
  const infra = { releaseChannel: 'STABLE', dashboardInvokers: ['group:risk-desk@example.com'] };
  writeFileSync(fleetPath, JSON.stringify({ ...raw, environment: 'prod', infra }));
  const outdir = join(work, 'out');

  const { code, stderr } = await runApp({ ALTUS_FLEET_CONFIG: fleetPath, CDKTF_OUTDIR: outdir });
  assert.equal(code, 0, stderr);
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };
  assert.deepEqual(Object.keys(manifest.stacks), ['altus-prod']);
  const stackJson = readFileSync(join(outdir, 'stacks', 'altus-prod', 'cdk.tf.json'), 'utf8');
  assert.match(stackJson, /"environment": "prod"/);
  assert.match(stackJson, /"channel": "STABLE"/);
  assert.doesNotMatch(stackJson, /"channel": "REGULAR"/);
  assert.match(stackJson, /"member": "group:risk-desk@example.com"/);
  assert.deepEqual(checkPolicies(stackJson, { fleet: parseFleetConfig({ ...raw, environment: 'prod', infra }) }), []);
});

test('an invalid fleet configuration fails the synth with the problem named', async () => {
  const fleetPath = join(work, 'broken.json');
  writeFileSync(fleetPath, JSON.stringify({ project: 'altus-demo-project', hub: { name: 'altus-hub', region: 'us-east1' }, clusters: [] }));
  const { code, stderr } = await runApp({ ALTUS_FLEET_CONFIG: fleetPath, CDKTF_OUTDIR: join(work, 'broken-out') });
  assert.equal(code, 1);
  assert.match(stderr, /broken\.json is invalid/);
  assert.match(stderr, /clusters/);
});
