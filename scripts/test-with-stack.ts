/**
 * `npm test`: starts one local stack for the whole run (the emulators take ~10 s
 * each, so once, not per test), runs every test file with node's test runner
 * pointed at it through ALTUS_TEST_HOME, then stops the stack. Arguments are
 * files or folders to search for `*.test.ts` (node 20's runner expands no globs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from './cli/stack-control.ts';

const home = mkdtempSync(join(tmpdir(), 'altus-test-'));
const files = (process.argv.slice(2).length ? process.argv.slice(2) : ['test']).flatMap(testFiles).sort();
if (files.length === 0) {
  process.stderr.write('no *.test.ts files found\n');
  process.exit(1);
}
process.stderr.write(`starting the local stack for the tests in ${home}…\n`);
const started = Date.now();
await up(home);
process.stderr.write(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
let code = 1;
try {
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
      stdio: 'inherit',
      env: { ...process.env, ALTUS_TEST_HOME: home },
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
} finally {
  await down(home);
}
process.exit(code);

/** `*.test.ts` files under a folder (or the file itself). */
function testFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const child = join(path, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(child);
    return entry.name.endsWith('.test.ts') ? [child] : [];
  });
}
