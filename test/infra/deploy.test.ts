/**
 * `npm run deploy`: the steps a new operator's one command runs, in order, and
 * `--dry-run`, which prints them and exits 0 without credentials, and with
 * credentials shows only `terraform plan`, never a change.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deploySteps, type CommandLine } from '../../infra/deploy/plan.ts';
import { deploy, DeployStepError, dryRun, type DeployRuntime } from '../../infra/deploy/run.ts';
import { TEST_FLEET } from './fleet-fixture.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const steps = deploySteps({ fleet: TEST_FLEET, configPath: 'altus.config.json' });
const work = mkdtempSync(join(tmpdir(), 'altus-deploy-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A runtime that records commands and answers with the exit codes `codes` gives (0 otherwise). */
function fakeRuntime(credentials: boolean, codes: (command: CommandLine) => number = () => 0) {
  const ran: string[] = [];
  let out = '';
  const runtime: DeployRuntime = {
    run: async (command) => {
      ran.push(command.join(' '));
      return codes(command);
    },
    write: (text) => (out += text),
    hasCredentials: async () => credentials,
  };
  return { runtime, ran, output: () => out };
}

test('the deploy runs state bucket, build, apply, image build and pin, bootstrap, the pinned apply and the final check, in that order', () => {
  assert.deepEqual(
    steps.map((s) => s.id),
    ['state-bucket', 'build-functions', 'apply', 'image', 'bootstrap', 'apply-pinned', 'check'],
  );
  const apply = steps.find((s) => s.id === 'apply')!;
  assert.equal(apply.inputs.backend, `gs://${TEST_FLEET.project}-altus-tfstate/altus/dev`);
  assert.deepEqual(apply.commands, [['npx', 'cdktf', 'deploy', 'altus-dev', '--auto-approve']]);
  assert.deepEqual(apply.preview, ['npx', 'cdktf', 'plan', 'altus-dev']);
  assert.deepEqual(apply.previewWithoutState, ['npx', 'tsx', 'infra/deploy/fresh-plan.ts', 'altus-dev']);
  assert.ok(steps.find((s) => s.id === 'image')!.commands[0]!.includes('--pin'));
  // The bootstrap runs inside the VPC: the deploy calls the bootstrap function, not the clusters.
  assert.deepEqual(steps.find((s) => s.id === 'bootstrap')!.commands, [
    ['gcloud', 'functions', 'call', 'altus-bootstrap', '--gen2', '--region=us-east1', `--project=${TEST_FLEET.project}`],
  ]);
});

test('a dry run without credentials prints every step with its inputs, runs nothing and does not fail', async () => {
  const { runtime, ran, output } = fakeRuntime(false);
  await dryRun(steps, runtime);
  assert.deepEqual(ran, []);
  const text = output();
  steps.forEach((s, i) => {
    assert.match(text, new RegExp(`^${i + 1}\\. ${s.id}: `, 'm'));
  });
  assert.match(text, /bucket: gs:\/\/altus-demo-project-altus-tfstate/);
  assert.match(text, /No Application Default Credentials/);
});

test('a dry run with credentials checks the state bucket, builds the archive terraform plan hashes, shows terraform plan and changes nothing', async () => {
  const { runtime, ran, output } = fakeRuntime(true);
  await dryRun(steps, runtime);
  assert.deepEqual(ran, [
    `gcloud storage buckets describe gs://${TEST_FLEET.project}-altus-tfstate --project=${TEST_FLEET.project} --format=value(name)`,
    'npm run build',
    'npx cdktf plan altus-dev',
  ]);
  assert.match(output(), /state-bucket: exists/);
});

test('a dry run with credentials on a new project (no state bucket yet: the GCS backend cannot start) plans against an empty state instead', async () => {
  const { runtime, ran, output } = fakeRuntime(true, (c) => (c.join(' ').includes('buckets describe') ? 1 : 0));
  await dryRun(steps, runtime);
  assert.deepEqual(ran.slice(1), ['npm run build', 'npx tsx infra/deploy/fresh-plan.ts altus-dev']);
  assert.ok(!ran.some((c) => c.includes('buckets create') || c.includes('cdktf deploy')), 'the dry run changed something');
  assert.match(output(), /does not exist yet .* empty state/);
});

test('a deploy skips the state bucket when it exists and stops at the first failing step, naming it', async () => {
  const { runtime, ran } = fakeRuntime(true, (c) => (c.join(' ').includes('buckets describe') ? 0 : c.includes('altus-bootstrap') ? 1 : 0));
  await assert.rejects(deploy(steps, runtime), (e: Error) => e instanceof DeployStepError && e.step === 'bootstrap' && /step bootstrap failed/.test(e.message));
  assert.ok(!ran.some((c) => c.includes('buckets create')), 'the existing state bucket was created again');
  assert.ok(ran.some((c) => c.includes('infra/image.ts --pin')));
  assert.ok(!ran.some((c) => c.includes('doctor')), 'the deploy went on after a failed step');
});

test('npm run deploy -- --dry-run on a machine without credentials exits 0 with the ordered plan', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/deploy/main.ts', '--dry-run'], {
    cwd: root,
    env: { ...process.env, GOOGLE_APPLICATION_CREDENTIALS: join(work, 'none.json'), CLOUDSDK_CONFIG: work, METADATA_SERVER_DETECTION: 'none' },
    timeout: 60_000,
  });
  assert.match(stdout, /^1\. state-bucket: [\s\S]*^7\. check: /m);
});
