/**
 * Checkov (pinned in infra/checkov-requirements.txt, installed by `npm run checkov:venv`,
 * which `.ci/run` and `npm test` run, into `.venv-checkov/`) over every stack the app
 * synthesizes: zero failed checks with the skip list of `.checkov.yaml`, every skip
 * carries its reason, and every skip is still needed (the same run without the list
 * fails exactly those checks).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const checkov = join(root, '.venv-checkov', 'bin', 'checkov');
const skipFile = join(root, '.checkov.yaml');
const work = mkdtempSync(join(tmpdir(), 'altus-checkov-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface CheckovReport {
  readonly summary: { readonly passed: number; readonly failed: number };
  readonly results: { readonly failed_checks?: ReadonlyArray<{ readonly check_id: string; readonly resource: string }> };
}

/** `- CHECK_ID  # reason` lines of the skip list. */
const skips = [...readFileSync(skipFile, 'utf8').matchAll(/^\s*-\s*(CKV2?_[A-Z]+_\d+)\s*(?:#\s*(.*))?$/gm)].map((m) => ({ id: m[1]!, reason: m[2] ?? '' }));

let stackFiles: string[] = [];
before(async () => {
  assert.ok(existsSync(checkov), `${checkov} is missing: run npm run checkov:venv (.ci/run does)`);
  const outdir = join(work, 'out');
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/main.ts'], {
    cwd: root,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir },
    timeout: 120_000,
  });
  const stacks = join(outdir, 'stacks');
  stackFiles = readdirSync(stacks).map((name) => join(stacks, name, 'cdk.tf.json'));
  assert.ok(stackFiles.length > 0, 'the app synthesized no stack');
});

/**
 * One Checkov run over every stack; exit code 1 only means failed checks, which the
 * report says. Checkov reads `.checkov.yaml` from its working directory by itself, so
 * a run without the skip list runs elsewhere.
 */
async function runCheckov(args: readonly string[], cwd = root): Promise<CheckovReport[]> {
  const files = stackFiles.flatMap((f) => ['-f', f]);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(checkov, [...files, '--framework', 'terraform_json', '-o', 'json', ...args], { cwd, timeout: 120_000, maxBuffer: 64 << 20 }));
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
  assert.deepEqual(failed.map((f) => `${f.check_id} ${f.resource}`), []);
  assert.ok(reports.every((r) => r.summary.passed > 100), 'Checkov ran almost no checks: is the framework right?');
});

test('every skipped check is still needed: without the list, exactly those checks fail', async () => {
  const failed = new Set(failures(await runCheckov([], work)).map((f) => f.check_id));
  assert.deepEqual([...failed].sort(), skips.map((s) => s.id).sort());
});
