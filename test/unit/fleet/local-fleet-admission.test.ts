/**
 * The local fleet process (jobs/fleet/local/main.ts) admits Jobs as a GKE worker
 * cluster's API server would: what render-jobs and dispatch build is accepted,
 * a Job the real API server (or the target cluster's Spot placement) refuses is
 * a 422 naming the field. Runs the process itself, with one pod slot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Job } from '@kubernetes/client-node';
import { buildJob } from '../../../jobs/fleet/job-builder.ts';
import { DEFAULT_FLEET_CONFIG } from '../../../shared/config.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { clusterNamed, jobRequest } from './fixtures.ts';

const MAIN = fileURLToPath(new URL('../../../jobs/fleet/local/main.ts', import.meta.url));
const fleet = loadFleetConfig(DEFAULT_FLEET_CONFIG);
const dir = mkdtempSync(join(tmpdir(), 'altus-local-fleet-'));
const args = ['--import', 'tsx', MAIN, '--port=0', `--storage-dir=${dir}`, '--pubsub-emulator-host=127.0.0.1:1', `--log-dir=${dir}`, '--parallelism=1'];

let child: ChildProcess;
let baseUrl = '';
before(async () => {
  child = spawn(process.execPath, [...args, `--fleet-config=${DEFAULT_FLEET_CONFIG}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`local fleet exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      const line = chunk.toString().split('\n').find((l) => l.includes('local fleet listening'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  baseUrl = `http://127.0.0.1:${port}`;
});
after(() => void child.kill('SIGTERM'));

const jobFor = (cluster: string, change: (job: V1Job) => void = () => {}) => {
  const job = buildJob(jobRequest({ fleet, cluster: clusterNamed(fleet, cluster), runId: 'admission-check' }));
  change(job);
  return job;
};

async function create(cluster: string, job: V1Job): Promise<{ status: number; message: string }> {
  const res = await fetch(`${baseUrl}/clusters/${cluster}/apis/batch/v1/namespaces/${fleet.namespace}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(job),
  });
  return { status: res.status, message: ((await res.json()) as { message?: string }).message ?? '' };
}

const refusals: Array<{ label: string; cluster: string; change: (job: V1Job) => void; message: RegExp }> = [
  { label: 'an unknown field', cluster: 'worker-a', change: (j) => Object.assign(j.spec!, { parallelizm: 3 }), message: /spec\.parallelizm: unknown field/ },
  { label: 'a wrong type', cluster: 'worker-a', change: (j) => Object.assign(j.spec!, { completions: 'ten' }), message: /spec\.completions: must be integer/ },
  {
    label: 'an API server rule broken (backoffLimitPerIndex on a NonIndexed Job)',
    cluster: 'worker-a',
    change: (j) => (j.spec!.completionMode = 'NonIndexed'),
    message: /backoffLimitPerIndex/,
  },
  {
    label: 'an on-demand toleration on a Spot cluster',
    cluster: 'worker-b',
    change: (j) => {
      delete j.spec!.template.spec!.nodeSelector;
      delete j.spec!.template.spec!.tolerations;
    },
    message: /nodeSelector: cloud\.google\.com\/gke-spot=true must be present on Spot cluster worker-b/,
  },
  { label: 'a cluster label outside the fleet', cluster: 'worker-a', change: (j) => (j.metadata!.labels!['altus.dev/cluster'] = 'worker-z'), message: /"worker-z" is not a worker cluster of the fleet/ },
];

for (const r of refusals) {
  test(`the local fleet refuses a Job with ${r.label}: 422 naming the problem, nothing stored`, async () => {
    const { status, message } = await create(r.cluster, jobFor(r.cluster, r.change));
    assert.equal(status, 422, message);
    assert.match(message, r.message);
    const list = (await (await fetch(`${baseUrl}/_altus/clusters`)).json()) as Array<{ jobs: unknown[] }>;
    assert.equal(list.flatMap((c) => c.jobs).length, 0);
  });
}

test('the Job dispatch builds is admitted (201), and deleted again', async () => {
  const { status, message } = await create('worker-a', jobFor('worker-a'));
  assert.equal(status, 201, message);
  const res = await fetch(`${baseUrl}/clusters/worker-a/apis/batch/v1/namespaces/${fleet.namespace}/jobs?labelSelector=altus.dev/run-id=admission-check`, { method: 'DELETE' });
  assert.equal(res.status, 200);
});

test('the local fleet will not start without a fleet configuration, or with a cluster the configuration lacks', () => {
  const missing = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(missing.status, 2, `signal ${missing.signal}: ${missing.stderr}`);
  assert.match(missing.stderr, /--fleet-config is required/);
  const unknown = spawnSync(process.execPath, [...args, `--fleet-config=${DEFAULT_FLEET_CONFIG}`, '--clusters=worker-a,worker-z'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2, `signal ${unknown.signal}: ${unknown.stderr}`);
  assert.match(unknown.stderr, /--clusters names worker-z, not in /);
});
