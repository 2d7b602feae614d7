/**
 * Losing a worker cluster of the local fleet through the CLI (`altus fleet lose`,
 * `clusters`, `restore`): the lost cluster reports itself down and refuses a Job
 * create with 503 — what dispatch sees from an unreachable GKE control plane.
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
import { DEFAULT_FLEET_CONFIG } from '../../shared/config.ts';
import { TransientError } from '../../shared/errors.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';

const CLI = fileURLToPath(new URL('../../scripts/cli/main.ts', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'altus-fleet-loss-'));
const fleetConfig = loadFleetConfig(DEFAULT_FLEET_CONFIG);
let stack: StackInfo;

before(async () => {
  stack = (await up(home)).info;
});
after(async () => {
  await down(home);
});

const altus = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ALTUS_HOME: home }, encoding: 'utf8' });
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

/** A one-index Job created on `cluster` as dispatch sends it: the raw answer, and what KubernetesFleet makes of a second one with one attempt. */
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
  });
  const { status, body } = await call<{ reason?: string; message?: string }>('POST', `${stack.localFleetUrl}/clusters/${cluster}/apis/batch/v1/namespaces/${fleetConfig.namespace}/jobs`, job);
  const fleet = new KubernetesFleet(localClusterAccess(stack.localFleetUrl), { attempts: 1, initialDelayMilliseconds: 1 });
  const viaFleet = await fleet.createJob(cluster, { ...job, metadata: { ...job.metadata, name: `${job.metadata!.name}-f` } }).catch((error: unknown) => error);
  return { status, body, viaFleet };
}

describe('fleet loss', { timeout: 600_000 }, () => {
  test('altus fleet lose: the cluster reports DOWN and answers 503 to a Job create (dispatch sees a transient failure); restore brings it back', async () => {
    const initial = await fleetView();
    assert.deepEqual(initial.map((c) => [c.name, c.down]), [['worker-a', false], ['worker-b', false]]);
    const held = await createOn('worker-b', 'loss-held');
    assert.equal(held.status, 201, held.body.message);

    const lose = altus('fleet', 'lose', 'worker-b');
    assert.equal(lose.status, 0, lose.stderr);
    assert.match(lose.stdout, /^worker-b lost: its running pods were killed and its API answers 503/);
    const lost = clusters();
    assert.equal(lost['worker-b']!.down, true);
    assert.equal(lost['worker-b']!.jobs, 2, 'the Jobs it held are still listed');
    assert.equal(lost['worker-a']!.down, false);

    const refused = await createOn('worker-b', 'loss-probe');
    assert.equal(refused.status, 503);
    assert.equal(refused.body.reason, 'ServiceUnavailable');
    assert.ok(refused.viaFleet instanceof TransientError, 'dispatch sees a transient failure, so the message is redelivered');
    assert.match((refused.viaFleet as Error).message, /on cluster worker-b failed after 1 attempts: cluster worker-b is unreachable/);
    const other = await createOn('worker-a', 'loss-probe');
    assert.equal(other.status, 201, other.body.message);

    const unknown = altus('fleet', 'lose', 'worker-z');
    assert.equal(unknown.status, 3);
    assert.match(unknown.stderr, /no worker cluster worker-z in the local fleet \(it has worker-a, worker-b\)/);

    const restore = altus('fleet', 'restore', 'worker-b');
    assert.equal(restore.status, 0, restore.stderr);
    const restored = clusters();
    assert.equal(restored['worker-b']!.down, false);
    assert.equal(restored['worker-a']!.jobs, 2);
    const back = await createOn('worker-b', 'loss-probe-2');
    assert.equal(back.status, 201, back.body.message);
  });
});
