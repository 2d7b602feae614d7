/**
 * Losing a worker cluster of the local fleet through the CLI (`altus fleet lose`,
 * `clusters`, `restore`): the lost cluster reports itself down and its API server
 * cannot be reached — what dispatch sees from an unreachable GKE control plane.
 * Moving a lost cluster's shards elsewhere is reconcile's (its own test).
 * A stack of its own: losing a cluster of the shared one would stall other suites.
 *
 * @own-stack
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildJob } from '../../jobs/fleet/job-builder.ts';
import { KubernetesFleet } from '../../jobs/fleet/kubernetes-fleet.ts';
import { localClusterAccess } from '../../jobs/fleet/local/local-access.ts';
import { down, up } from '../../scripts/cli/stack-control.ts';
import type { ClusterStatus } from '../../scripts/cli/fleet-local-commands.ts';
import type { StackInfo } from '../../scripts/stack/state.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { TransientError } from '../../shared/errors.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';

const CLI = fileURLToPath(new URL('../../scripts/cli/main.ts', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'altus-fleet-loss-'));
const fleetConfig = loadFleetConfig(TEST_FLEET_CONFIG);
let stack: StackInfo;

before(async () => {
  stack = (await up(home)).info;
});
after(async () => {
  await down(home);
});

const altus = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ALTUS_HOME: home }, encoding: 'utf8' });
type FleetView = Array<{ name: string; down: boolean }>;
const fleetView = async () => (await call<FleetView>('GET', `${stack.localFleetUrl}/_altus/clusters`)).body;
function clusters(): Record<string, ClusterStatus> {
  const result = altus('fleet', 'clusters', '--json');
  assert.equal(result.status, 0, result.stderr);
  return Object.fromEntries((JSON.parse(result.stdout) as ClusterStatus[]).map((s) => [s.cluster, s]));
}
/** A request on a fresh connection: a reused keep-alive one can be closed under the client by the server's idle timeout on a loaded machine. */
function call<T>(method: string, url: string, payload?: unknown): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T }));
    });
    req.on('error', reject);
    req.end(payload === undefined ? undefined : JSON.stringify(payload));
  });
}

/** A one-index Job created on `cluster` as dispatch sends it, through the fleet code with one attempt: 'created', or the error. */
async function createOn(cluster: string, runId: string) {
  const job = buildJob({
    fleet: fleetConfig,
    cluster: fleetConfig.clusters.find((c) => c.name === cluster)!,
    runId,
    attempt: 0,
    shards: { offset: 0, count: 1 },
    planUri: `gs://altus-results/runs/${runId}/plan.json`,
    projectId: stack.projectId,
    completionsTopic: `projects/${stack.projectId}/topics/altus-completions`,
    retriesPerShard: 0,
    deadlineSeconds: 60,
    rowsPerShard: 10,
  });
  const fleet = new KubernetesFleet(localClusterAccess(stack.kubeconfig), { attempts: 1, initialDelayMilliseconds: 1 });
  return fleet.createJob(cluster, job).catch((error: unknown) => error);
}

describe('fleet loss', { timeout: 600_000 }, () => {
  test('altus fleet lose: the cluster reports DOWN and answers 503 to a Job create (dispatch sees a transient failure); restore brings it back', async () => {
    const initial = await fleetView();
    assert.deepEqual(
      initial.map((c) => [c.name, c.down]),
      [
        ['worker-a', false],
        ['worker-b', false],
      ],
    );
    assert.equal(await createOn('worker-b', 'loss-held'), 'created');

    const lose = altus('fleet', 'lose', 'worker-b');
    assert.equal(lose.status, 0, lose.stderr);
    assert.match(lose.stdout, /^worker-b lost: its running pods were killed and its API server is unreachable/);
    const lost = clusters();
    assert.equal(lost['worker-b']!.down, true);
    assert.equal(lost['worker-b']!.jobs, 1, 'the Job it held is still listed');
    assert.equal(lost['worker-a']!.down, false);

    const refused = await createOn('worker-b', 'loss-probe');
    assert.ok(refused instanceof TransientError, 'dispatch sees a transient failure, so the message is redelivered');
    assert.match(refused.message, /on cluster worker-b failed after 1 attempts/);
    assert.equal(await createOn('worker-a', 'loss-probe'), 'created');

    const unknown = altus('fleet', 'lose', 'worker-z');
    assert.equal(unknown.status, 3);
    assert.match(unknown.stderr, /no worker cluster worker-z in the local fleet \(it has worker-a, worker-b\)/);

    const restore = altus('fleet', 'restore', 'worker-b');
    assert.equal(restore.status, 0, restore.stderr);
    const restored = clusters();
    assert.equal(restored['worker-b']!.down, false);
    assert.equal(restored['worker-a']!.jobs, 1);
    assert.equal(await createOn('worker-b', 'loss-probe-2'), 'created');
  });
});
