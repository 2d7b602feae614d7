/**
 * `npm test` and each `npm run test:<tier>` (tiers: scripts/test-tiers.ts). Starts
 * one local stack for the files that share it (the emulators take ~10 s each, so
 * once, not per test) — only when a file to run uses it — runs those files with
 * node's test runner pointed at it through ALTUS_TEST_HOME (two files at a time),
 * stops it, then runs the files that start a stack of their own one at a time, so
 * no more than one stack ever competes for the machine with the shared one gone.
 *
 * A file starts its own stack when its header says `@own-stack`. Arguments are
 * tier names (`unit`, `e2e`, …), or files or folders to search for `*.test.ts`
 * (node 20's runner expands no globs); none means every test under `test/`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { down, up } from './cli/stack-control.ts';
import { TEST_RECONCILE_GRACE_SECONDS } from './stack/state.ts';
import { writeBundles } from './test-bundles.ts';
import { TEST_TIERS, isTierName, needsSharedStack, sharesProcess, startsOwnStack, tierOf } from './test-tiers.ts';
import { TEST_FLEET_CONFIG } from '../test/support/fleet-config.ts';

// Test processes at a time: the machine's two cores.
const PROCESSES = 2;

// Every stack started from here (the shared one, and each @own-stack file's) inherits it.
process.env.ALTUS_RECONCILE_GRACE_SECONDS ??= TEST_RECONCILE_GRACE_SECONDS;
// Tests run against the fixture fleet, not the deployable altus.config.json an operator edits: every
// stack (the supervisor falls back to it), function, CLI call and test process started from here reads it.
process.env.ALTUS_FLEET_CONFIG ??= TEST_FLEET_CONFIG;

const requested = process.argv.slice(2).map((argument) => (isTierName(argument) ? TEST_TIERS[argument].folder : argument));
// Relative to the repository root, where npm runs scripts: the form a tier's folder is matched in.
const files = (requested.length ? requested : ['test'])
  .flatMap(testFiles)
  .map((file) => relative(process.cwd(), resolve(file)))
  .sort();
if (files.length === 0) {
  process.stderr.write('no *.test.ts files found\n');
  process.exit(1);
}
const sources = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
const ownStack = files.filter((file) => startsOwnStack(sources.get(file)!));
const shared = files.filter((file) => !ownStack.includes(file));

// Files that may share a process run in PROCESSES bundles (scripts/test-bundles.ts), the rest one process each.
const pooled = shared.filter(sharesProcess);
const bundles = pooled.length > PROCESSES ? writeBundles(pooled, PROCESSES, [...new Set(pooled.map(tierOf))].join('-')) : null;
const runnable = bundles ? [...bundles.entries, ...shared.filter((file) => !pooled.includes(file))] : shared;

const stackUsers = shared.filter((file) => needsSharedStack(sources.get(file)!));

let code = 0;
try {
  if (shared.length && stackUsers.length === 0) {
    code = await runTests(runnable, PROCESSES, {});
  } else if (shared.length) {
    const home = mkdtempSync(join(tmpdir(), 'altus-test-'));
    process.stderr.write(`starting the local stack for ${stackUsers.length} test files (of ${shared.length}) in ${home}…\n`);
    const started = Date.now();
    await up(home);
    process.stderr.write(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    try {
      code = await runTests(runnable, PROCESSES, { ALTUS_TEST_HOME: home });
    } finally {
      await down(home);
    }
  }
} finally {
  bundles?.remove();
}
if (ownStack.length) {
  process.stderr.write(`running ${ownStack.length} test files that start their own stack, one at a time…\n`);
  code = (await runTests(ownStack, 1, {})) || code;
}
process.exit(code);

function runTests(paths: string[], concurrency: number, env: Record<string, string>): Promise<number> {
  return new Promise<number>((resolve) => {
    // A test that hangs fails after 15 minutes, and a file whose tests are done exits even if a
    // client it forgot to close still holds a handle: CI always ends, with the failure named.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=900000', '--test-force-exit', ...paths],
      {
        stdio: 'inherit',
        env: { ...process.env, ...env },
      },
    );
    child.on('exit', (c) => resolve(c ?? 1));
  });
}

/** `*.test.ts` files under a folder (or the file itself). */
function testFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const child = join(path, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(child);
    return entry.name.endsWith('.test.ts') ? [child] : [];
  });
}
