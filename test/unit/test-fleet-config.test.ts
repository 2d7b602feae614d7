/**
 * Tests read the fixture fleet configuration under test/, not the deployable
 * altus.config.json an operator edits: the fixture is a valid fleet, the test
 * runner points every stack and process at it, and only the named tests whose
 * point is the shipped file (it synthesizes, passes the policy, its GPU zones
 * exist; the build ships it) reach for the shipped one.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fleetConfigPathOf } from '../../shared/config.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Files allowed to name the shipped configuration, and why. */
const SHIPPED_READERS: Record<string, string> = {
  'test/infra/fleet-fixture.ts': 'defines SHIPPED_FLEET for the two tests below',
  'test/infra/policy.test.ts': 'the shipped fleet must pass the policy',
  'test/infra/first-deploy.test.ts': "the shipped GPU pools' zones must offer their accelerators",
  'test/integration/build.test.ts': 'the build must ship altus.config.json with the functions',
  'test/infra/checkov.test.ts': 'Checkov judges the stacks of the shipped configuration, with and without CMEK',
  'test/infra/deploy.test.ts': 'names the file in the deploy steps it prints; reads nothing',
  'test/infra/functions.test.ts': 'the path the functions read in the cloud (/workspace/altus.config.json); reads nothing',
  'test/unit/test-fleet-config.test.ts': 'this guard',
};
/** What reading the shipped file looks like in a test. */
const SHIPPED = /DEFAULT_FLEET_CONFIG|SHIPPED_FLEET|(?<!fixtures)\/altus\.config\.json|['"`]altus\.config\.json['"`]/;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : testFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

test('test fleet: the fixture is a valid fleet configuration', () => {
  assert.ok(loadFleetConfig(TEST_FLEET_CONFIG).clusters.length >= 2);
});

test('test fleet: the guard sees a test that reads the shipped file', () => {
  for (const line of [
    "import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';",
    "loadFleetConfig('altus.config.json')",
    'readFileSync(join(root, "/altus.config.json"))',
  ]) {
    assert.match(line, SHIPPED, line);
  }
  assert.doesNotMatch("new URL('../fixtures/altus.config.json', import.meta.url)", SHIPPED);
});

test('test fleet: only the named tests read the shipped altus.config.json', () => {
  const readers = testFiles(join(ROOT, 'test'))
    .map((path) => relative(ROOT, path))
    .filter((path) =>
      readFileSync(join(ROOT, path), 'utf8')
        .split('\n')
        .some((line) => SHIPPED.test(line)),
    );
  assert.deepEqual(
    readers.filter((path) => !(path in SHIPPED_READERS)),
    [],
  );
});

test('test fleet: the test runner points every stack, function and CLI call at the fixture', () => {
  const runner = readFileSync(join(ROOT, 'scripts/test-with-stack.ts'), 'utf8');
  assert.match(runner, /process\.env\.ALTUS_FLEET_CONFIG \?\?= TEST_FLEET_CONFIG/);
  // The supervisor, the functions and the CLI all resolve the file through this one function.
  assert.equal(fleetConfigPathOf({ ALTUS_FLEET_CONFIG: TEST_FLEET_CONFIG }), TEST_FLEET_CONFIG);
  assert.match(readFileSync(join(ROOT, 'scripts/stack/supervisor.ts'), 'utf8'), /values\['fleet-config'\] \?\? fleetConfigPathOf\(process\.env\)/);
});
