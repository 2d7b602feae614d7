import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBootstrap } from '../../../jobs/fleet/bootstrap.ts';
import { BootstrapApplyError } from '../../../jobs/fleet/bootstrap-apply.ts';
import { renderApplyReport } from '../../../scripts/cli/fleet-bootstrap-command.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { parseFleetConfig } from '../../../shared/fleet-config.ts';

const CLI = fileURLToPath(new URL('../../../scripts/cli/main.ts', import.meta.url));
const altus = (...args: string[]) =>
  // No credentials and no endpoint lookup: a dry run must not need either.
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent' } });

function configFile(changes: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'altus-bootstrap-')), 'fleet.json');
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(TEST_FLEET_CONFIG, 'utf8')), ...changes }));
  return path;
}

test('altus fleet bootstrap --dry-run prints one JSON array of {cluster, objects}, exactly what apply would send', () => {
  const path = configFile({ namespace: 'risk-batch' });
  const result = altus('fleet', 'bootstrap', '--dry-run', '--config', path);
  assert.equal(result.status, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as Array<{ cluster: string; objects: Array<{ kind: string; metadata: { namespace?: string } }> }>;
  assert.deepEqual(printed, JSON.parse(JSON.stringify(buildBootstrap(parseFleetConfig(JSON.parse(readFileSync(path, 'utf8')))))));
  assert.deepEqual(
    printed.map((p) => p.cluster),
    ['worker-a', 'worker-b'],
  );
  assert.ok(printed.every((p) => p.objects.some((o) => o.kind === 'Role' && o.metadata.namespace === 'risk-batch')));
});

test('altus fleet bootstrap with pod resources it cannot size a quota from: exit 3 and the reason, nothing printed on stdout', () => {
  const result = altus('fleet', 'bootstrap', '--dry-run', '--config', configFile({ workerResources: { cpu: '1', memory: 'one gig' } }));
  assert.equal(result.status, 3);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /"one gig" is not a resource quantity/);
});

test("the apply report: one line per object with what happened, and each refused cluster's error", () => {
  const error = new BootstrapApplyError(
    'create Role altus/altus-job-operator on cluster worker-b was refused (HTTP 403): forbidden',
    'worker-b',
    'Role altus/altus-job-operator',
    403,
  );
  const { lines, errors } = renderApplyReport([
    {
      cluster: 'worker-a',
      outcomes: [
        { object: 'Namespace altus', action: 'unchanged' },
        { object: 'PriorityClass altus-batch', action: 'kept', detail: 'value (5, wanted 1000) cannot change in place' },
      ],
    },
    { cluster: 'worker-b', outcomes: [{ object: 'Namespace altus', action: 'created' }], error },
  ]);
  assert.deepEqual(lines, [
    'worker-a: Namespace altus unchanged',
    'worker-a: PriorityClass altus-batch kept (value (5, wanted 1000) cannot change in place)',
    'worker-b: Namespace altus created',
  ]);
  assert.deepEqual(errors, ['worker-b: create Role altus/altus-job-operator on cluster worker-b was refused (HTTP 403): forbidden']);
});
