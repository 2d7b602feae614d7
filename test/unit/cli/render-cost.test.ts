/** `altus status` (renderRun) shows a finished run's cost: totals, savings, and each pool with the prices it was billed at. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { runCost } from '../../../shared/cost.ts';
import type { RunDocument } from '../../../shared/documents.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import { renderRun } from '../../../scripts/cli/render.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);

function finished(cost?: RunDocument['cost']): RunDocument {
  return {
    runId: 'book-0123',
    name: 'book',
    status: 'SUCCEEDED',
    origin: { kind: 'request', requestId: 'book-0123' },
    manifestHash: 'h',
    counts: { parameters: 40, shards: 4, shardsSucceeded: 4, shardsFailed: 0, parametersFailed: 0 },
    attempt: 0,
    createdAt: '2026-03-01T09:00:00Z',
    finishedAt: '2026-03-01T09:00:10Z',
    ...(cost ? { cost } : {}),
  };
}

test('status: a CPU run on both Spot clusters shows the estimate, the on-demand equivalent, the savings and the prices', () => {
  // Two pod-hours on worker-a, one on worker-b: 2 × 0.0093 + 0.0101 = $0.0287; on demand 2 × 0.0363 + 0.0399 = $0.1125.
  const cost = runCost(fleet, undefined, [
    { cluster: 'worker-a', cpuSeconds: 3500, wallSeconds: 3600 },
    { cluster: 'worker-a', cpuSeconds: 3500, wallSeconds: 3600 },
    { cluster: 'worker-b', cpuSeconds: 3500, wallSeconds: 3600 },
  ]);
  const lines = renderRun(finished(cost)).split('\n');
  assert.ok(lines.includes('cost: $0.0287 estimated · $0.1125 on-demand equivalent · 74.5% saved (10800 vCPU-s)'), lines.join('\n'));
  assert.ok(
    lines.includes('  worker-a us-central1 c2d-standard-8 Spot: 2 shards, 7200 vCPU-s × $0.0093/vCPU-h = $0.0186 (on-demand $0.0726)'),
    lines.join('\n'),
  );
  assert.ok(
    lines.includes('  worker-b europe-west4 c2d-standard-8 Spot: 1 shard, 3600 vCPU-s × $0.0101/vCPU-h = $0.0101 (on-demand $0.0399)'),
    lines.join('\n'),
  );
});

test('status: a GPU run names the pool, its accelerator and the GPU price', () => {
  const cost = runCost(fleet, { type: 'nvidia-h100-80gb', count: 1 }, [{ cluster: 'worker-a', cpuSeconds: 10, wallSeconds: 1800 }]);
  const text = renderRun(finished(cost));
  assert.match(text, /^cost: \$1\.13 estimated · \$5\.55 on-demand equivalent · 79\.6% saved \(1800 vCPU-s, 1800 GPU-s\)$/m);
  assert.match(
    text,
    /^ {2}worker-a\/h100 \(nvidia-h100-80gb\) us-central1 a3-highgpu-1g Spot: 1 shard, 1800 vCPU-s × \$0\.0093\/vCPU-h \+ 1800 GPU-s × \$2\.25\/GPU-h = \$1\.13 \(on-demand \$5\.55\)$/m,
  );
});

test('status: no cost line before the run has one', () => {
  assert.doesNotMatch(renderRun(finished()), /cost/);
});
