/**
 * A run whose pods can never start ends with the real cause, within minutes, on
 * the real control plane: a custom kernel image that cannot be pulled (here: one
 * that `altus.local-images.json` does not name) leaves its pods waiting
 * ErrImagePull / ImagePullBackOff as the kubelet reports them, and reconcile, on
 * seeing a Job with no ready pod for ALTUS_STALLED_JOB_SECONDS, reads its pods and
 * ends the run FAILED with IMAGE_PULL_FAILED, naming the image; its Jobs are
 * deleted so nothing keeps waiting. A stack of its own: the short patience is
 * for this test only.
 *
 * @own-stack
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BatchV1Api } from '@kubernetes/client-node';
import { localClusterAccess } from '../../jobs/fleet/local/local-access.ts';
import { down, up } from '../../scripts/cli/stack-control.ts';
import type { StackInfo } from '../../scripts/stack/state.ts';
import { runManifest, writeManifest } from '../support/stack.ts';
import { waitFor } from '../support/wait-for.ts';

const home = mkdtempSync(join(tmpdir(), 'altus-pods-cannot-start-'));
const EXAMPLE = fileURLToPath(new URL('../../jobs/examples/bachelier/manifest.json', import.meta.url));
let stack: StackInfo;

before(async () => {
  stack = (await up(home, { env: { ALTUS_STALLED_JOB_SECONDS: '20' } })).info;
});
after(async () => {
  await down(home);
});

test('an image that cannot be pulled: FAILED with IMAGE_PULL_FAILED naming the image, within minutes, and no Job left waiting', {
  timeout: 600_000,
}, async () => {
  const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { kernel: Record<string, unknown> };
  const image = 'us-central1-docker.pkg.dev/altus-demo-project/altus/not-built:1.0';
  const started = Date.now();
  const run = await runManifest(stack, writeManifest('unpullable.json', { ...example, name: 'unpullable', kernel: { ...example.kernel, image } }), 300_000);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error?.code, 'IMAGE_PULL_FAILED');
  assert.match(run.error?.message ?? '', /not-built:1\.0/);
  assert.ok(seconds < 240, `ended in ${seconds.toFixed(0)} s, not at the run's deadline`);
  const access = localClusterAccess(stack.kubeconfig);
  for (const cluster of ['worker-a', 'worker-b']) {
    const batch = (await access(cluster)).makeApiClient(BatchV1Api);
    await waitFor(
      async () => {
        const jobs = (await batch.listNamespacedJob({ namespace: 'altus', labelSelector: `altus.dev/run-id=${run.runId}` })).items;
        return jobs.every((j) => j.status?.conditions?.some((c) => c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed')));
      },
      { timeoutMs: 120_000, intervalMs: 1000, what: `${cluster}: the run's unfinished Jobs to be deleted once it has ended` },
    );
  }
});
