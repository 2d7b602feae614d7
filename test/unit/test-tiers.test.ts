/**
 * The test tiers stay what the README says: every test file is in a tier's folder,
 * every tier has its `npm run test:<tier>` script, the runner starts the shared stack
 * only for the files that use it, and a unit test reaches for no child process,
 * server or stack directly and leaves no process-wide state behind for the files
 * it shares a process with.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { TEST_TIERS, TIER_NAMES, isTierName, needsSharedStack, sharesProcess, startsOwnStack, tierOf } from '../../scripts/test-tiers.ts';

const ROOT = join(import.meta.dirname, '../..');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

// What a unit test may not import: these start processes, servers or a stack.
const NOT_IN_UNIT = [
  /^node:(child_process|http|https|net|dgram|cluster|worker_threads)$/,
  /\/support\/(stack|fake-apiserver)\.ts$/,
  /\/jobs\/worker\/(kernel-process|kernel-tree|custom-shard)\.ts$/,
  /\/jobs\/fleet\/local\/(pod-pool|kubelet-server|cluster-gateway)\.ts$/,
  /\/scripts\/stack\/(front-door|processes)\.ts$/,
  /\/scripts\/cli\/stack-control\.ts$/,
];

// What a unit test may not do: its files share a process (scripts/test-bundles.ts).
const PROCESS_WIDE =
  /process\.env(?:\.\w+|\[[^\]]+\])\s*=(?!=)|delete\s+process\.env|process\.(?:chdir|on|once|exit|setUncaughtExceptionCaptureCallback)\(|process\.exitCode\s*=/;

/** The modules a test file imports that a unit test may not. */
function forbiddenImports(source: string): string[] {
  const specifiers = [...source.matchAll(/^\s*import\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm)].map(
    (m) => m[1] ?? m[2] ?? m[3]!,
  );
  return specifiers.filter((specifier) => NOT_IN_UNIT.some((pattern) => pattern.test(specifier)));
}

test('a file belongs to the tier whose folder holds it; only unit files share a process', () => {
  for (const [file, tier] of [
    ['test/unit/manifest.test.ts', 'unit'],
    ['test/unit/fleet/render.test.ts', 'unit'],
    ['./test/integration/run-store.test.ts', 'integration'],
    ['test/e2e/pipeline.test.ts', 'e2e'],
    ['test/chaos/fast-scenarios.test.ts', 'chaos'],
    ['test/oracle/black-scholes.test.ts', 'oracle'],
    ['test/infra/stack.test.ts', 'infra'],
    ['test/unitary/x.test.ts', null],
    ['test/elsewhere/x.test.ts', null],
  ] as const) {
    assert.equal(tierOf(file), tier, file);
    assert.equal(sharesProcess(file), tier === 'unit', file);
  }
  assert.equal(isTierName('e2e'), true);
  assert.equal(isTierName('test/e2e'), false);
});

test('a file gets the shared stack when it uses test/support/stack.ts, and the machine alone when it starts its own', () => {
  for (const [label, source, shared, own] of [
    ['uses the support module', "import { testStack } from '../support/stack.ts';", true, false],
    ['a multi-line import', "import {\n  stackClients,\n  testStack,\n} from '../support/stack.ts';", true, false],
    ['a dynamic import', "const { testStack } = await import('../support/stack.ts');", true, false],
    ['quoted, not imported', 'const example = "import { testStack } from \'../support/stack.ts\';";', false, false],
    ['pure', "import { validateManifest } from '../../jobs/planning/validate.ts';", false, false],
    ['a support module of another name', "import { finishedRun } from '../support/finished-run.ts';", false, false],
    ['its own stack', "/**\n * Loses a cluster.\n *\n * @own-stack\n */\nimport { testStack } from '../support/stack.ts';", false, true],
    ['@own-stack in a comment, not the header', "// not @own-stack\nimport { testStack } from '../support/stack.ts';", true, false],
  ] as const) {
    assert.equal(needsSharedStack(source), shared, label);
    assert.equal(startsOwnStack(source), own, label);
  }
});

test('every tier has its folder and its npm script, and every test file is in a tier', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const name of TIER_NAMES) {
    assert.ok(existsSync(join(ROOT, TEST_TIERS[name].folder)), `${TEST_TIERS[name].folder} is missing`);
    assert.match(scripts[`test:${name}`] ?? '', new RegExp(`tsx scripts/test-with-stack\\.ts ${name}$`), `npm run test:${name}`);
  }
  assert.match(scripts.test ?? '', /tsx scripts\/test-with-stack\.ts$/, 'npm test runs every tier');
  assert.deepEqual(
    testFiles(join(ROOT, 'test')).filter((file) => tierOf(file) === null),
    [],
  );
  const unitStack = testFiles(join(ROOT, TEST_TIERS.unit.folder)).filter((file) => needsSharedStack(readFileSync(join(ROOT, file), 'utf8')));
  assert.deepEqual(unitStack, [], 'npm run test:unit starts no stack');
});

test('the unit guard can fail: each kind of import that starts a process, a server or a stack is caught', () => {
  for (const line of [
    "import { spawn } from 'node:child_process';",
    "import { createServer, type Server } from 'node:http';",
    "import type { Server as TcpServer } from 'node:net';",
    "import { FakeApiServer, fakeClusterAccess } from '../../support/fake-apiserver.ts';",
    "import { testStack } from '../support/stack.ts';",
    "import { runCustomShard } from '../../../jobs/worker/custom-shard.ts';",
    "import { PodPool } from '../../../jobs/fleet/local/pod-pool.ts';",
    "import {\n  startFrontDoor,\n} from '../../scripts/stack/front-door.ts';",
    "const { execFileSync } = await import('node:child_process');",
  ]) {
    assert.equal(forbiddenImports(line).length, 1, line);
  }
  assert.deepEqual(forbiddenImports("import { test } from 'node:test';\nimport { readFileSync } from 'node:fs';"), []);
});

test('no unit test imports what starts a process, a server or a stack', () => {
  const self = relative(ROOT, import.meta.filename); // it quotes the imports it forbids
  const offenders = testFiles(join(ROOT, TEST_TIERS.unit.folder))
    .filter((file) => file !== self)
    .flatMap((file) => forbiddenImports(readFileSync(join(ROOT, file), 'utf8')).map((specifier) => `${file}: ${specifier}`));
  assert.deepEqual(offenders, [], 'move these to test/integration');
});

test('the shared-process guard can fail, and no unit test changes process-wide state', () => {
  for (const line of [
    'process.env.ALTUS_METER_DIR = dir;',
    "process.env['X'] = '1';",
    'delete process.env.X;',
    "process.chdir('/tmp');",
    "process.on('exit', f);",
    'process.exitCode = 1;',
  ]) {
    assert.match(line, PROCESS_WIDE, line);
  }
  assert.doesNotMatch("const home = process.env.ALTUS_TEST_HOME;\nif (process.env.X === '1') {}", PROCESS_WIDE);
  const self = relative(ROOT, import.meta.filename); // it quotes what it forbids
  const offenders = testFiles(join(ROOT, TEST_TIERS.unit.folder)).filter((file) => file !== self && PROCESS_WIDE.test(readFileSync(join(ROOT, file), 'utf8')));
  assert.deepEqual(offenders, [], 'these change the environment, the working directory or process listeners: move them to test/integration');
});
