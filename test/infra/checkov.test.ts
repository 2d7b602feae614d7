/**
 * Checkov (pinned in infra/checkov-requirements.txt, installed by `npm run checkov:venv`,
 * which `.ci/run` and `npm test` run, into `.venv-checkov/`) over every stack the app
 * synthesizes: zero failed checks with the skip list of `.checkov.yaml`, every skip
 * carries its reason, and every skip is still needed (the same run without the list
 * fails exactly those checks).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const checkov = join(root, '.venv-checkov', 'bin', 'checkov');
const skipFile = join(root, '.checkov.yaml');
const work = mkdtempSync(join(tmpdir(), 'altus-checkov-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface CheckovReport {
  readonly summary: { readonly passed: number; readonly failed: number };
  readonly results: {
    readonly failed_checks?: ReadonlyArray<{ readonly check_id: string; readonly resource: string }>;
    readonly passed_checks?: ReadonlyArray<{ readonly check_id: string; readonly resource: string }>;
  };
}

/** `- CHECK_ID  # reason` lines of the skip list. */
const skips = [...readFileSync(skipFile, 'utf8').matchAll(/^\s*-\s*(CKV2?_[A-Z]+_\d+)\s*(?:#\s*(.*))?$/gm)].map((m) => ({ id: m[1]!, reason: m[2] ?? '' }));

/** Checks skipped only because CMEK is opt-in: with `infra.kms` set they must pass. */
const CMEK_CHECKS = ['CKV_GCP_81', 'CKV_GCP_83', 'CKV_GCP_84'];
/** Checks on the keys themselves (rotation, protection from destroy), which only a stack with keys runs. */
const KEY_CHECKS = ['CKV_GCP_43', 'CKV_GCP_82'];

/** Synthesizes the app into `outdir`, from the fleet configuration at `fleetConfig` when given; the stacks' JSON files. */
async function synth(outdir: string, fleetConfig?: string): Promise<string[]> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/main.ts'], {
    cwd: root,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir, ...(fleetConfig ? { ALTUS_FLEET_CONFIG: fleetConfig } : {}) },
    timeout: 120_000,
  });
  const stacks = join(outdir, 'stacks');
  return readdirSync(stacks).map((name) => join(stacks, name, 'cdk.tf.json'));
}

let stackFiles: string[] = [];
let cmekStackFiles: string[] = [];
before(async () => {
  assert.ok(existsSync(checkov), `${checkov} is missing: run npm run checkov:venv (.ci/run does)`);
  // Checkov judges the shipped configuration on purpose (not the test fixture): what an operator deploys.
  stackFiles = await synth(join(work, 'out'), DEFAULT_FLEET_CONFIG);
  assert.ok(stackFiles.length > 0, 'the app synthesized no stack');
  const raw = JSON.parse(readFileSync(DEFAULT_FLEET_CONFIG, 'utf8')) as { infra?: Record<string, unknown> };
  const keyRings = Object.fromEntries(
    ['global', 'us-east1', 'us-central1', 'europe-west4'].map((l) => [l, `projects/altus-keys/locations/${l}/keyRings/altus`]),
  );
  const cmekFleet = join(work, 'cmek.json');
  writeFileSync(cmekFleet, JSON.stringify({ ...raw, infra: { ...raw.infra, kms: { keyRings } } }));
  cmekStackFiles = await synth(join(work, 'out-cmek'), cmekFleet);
});

/**
 * One Checkov run over every stack; exit code 1 only means failed checks, which the
 * report says. Checkov reads `.checkov.yaml` from its working directory by itself, so
 * a run without the skip list runs elsewhere.
 */
async function runCheckov(args: readonly string[], cwd = root, stacks = stackFiles): Promise<CheckovReport[]> {
  const files = stacks.flatMap((f) => ['-f', f]);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(checkov, [...files, '--framework', 'terraform_json', '-o', 'json', ...args], {
      cwd,
      timeout: 120_000,
      maxBuffer: 64 << 20,
    }));
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (e.code !== 1 || !e.stdout) throw new Error(`checkov failed: ${e.stderr ?? String(error)}`, { cause: error });
    stdout = e.stdout;
  }
  const parsed = JSON.parse(stdout) as CheckovReport | CheckovReport[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

const failures = (reports: CheckovReport[]) => reports.flatMap((r) => r.results.failed_checks ?? []);

test('every skipped check in .checkov.yaml states its reason', () => {
  assert.ok(skips.length > 0);
  for (const { id, reason } of skips) assert.ok(reason.split(/\s+/).length >= 8, `${id} is skipped without a reason a reviewer can judge`);
  assert.equal(new Set(skips.map((s) => s.id)).size, skips.length, 'a check is listed twice');
});

test('Checkov reports zero failed checks on every synthesized stack, with the skip list', async () => {
  const reports = await runCheckov(['--config-file', skipFile]);
  const failed = failures(reports);
  assert.deepEqual(
    failed.map((f) => `${f.check_id} ${f.resource}`),
    [],
  );
  assert.ok(
    reports.every((r) => r.summary.passed > 100),
    'Checkov ran almost no checks: is the framework right?',
  );
});

test('every skipped check is still needed: without the list, exactly those checks fail', async () => {
  const failed = new Set(failures(await runCheckov([], work)).map((f) => f.check_id));
  assert.deepEqual([...failed].sort(), skips.map((s) => s.id).sort());
});

test('with CMEK on (infra.kms), the checks skipped for Google-managed keys pass, and so do the key checks: zero failures without those skips', async () => {
  const skipped = skips.map((s) => s.id).filter((id) => !CMEK_CHECKS.includes(id));
  assert.equal(skipped.length, skips.length - CMEK_CHECKS.length, 'a CMEK check is no longer in .checkov.yaml: update CMEK_CHECKS');
  // Run away from .checkov.yaml, with every other skip of the list.
  const reports = await runCheckov(['--skip-check', skipped.join(',')], work, cmekStackFiles);
  assert.deepEqual(
    failures(reports).map((f) => `${f.check_id} ${f.resource}`),
    [],
  );
  const passed = new Set(reports.flatMap((r) => r.results.passed_checks ?? []).map((c) => c.check_id));
  for (const id of [...CMEK_CHECKS, ...KEY_CHECKS]) assert.ok(passed.has(id), `${id} did not run on the CMEK stack`);
});
