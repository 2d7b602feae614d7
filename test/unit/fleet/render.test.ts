import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { renderJobs } from '../../../jobs/fleet/render.ts';
import { manifestSchema } from '../../../shared/manifest.ts';
import { threeClusters } from '../../support/fleet-fixtures.ts';

const manifest = (placement: Record<string, unknown> = {}) =>
  manifestSchema.parse({
    apiVersion: 'altus/v1',
    kind: 'Run',
    name: 'big-book',
    kernel: { name: 'black-scholes' },
    parameters: { inline: [{ type: 'call', spot: 100, strike: 100, rate: 0.01, dividendYield: 0, volatility: 0.2, maturity: 1 }] },
    shardSize: 1,
    retries: { perShard: 4 },
    deadlineSeconds: 7200,
    placement,
  });

const cases = [
  { label: '10,000 shards on three clusters', shards: 10_000, placement: {}, clusters: ['worker-a', 'worker-b', 'worker-on-demand-with-a-long-name-x40ch'] },
  { label: '2 shards on three clusters (weights 1:2:1; the on-demand cluster gets none)', shards: 2, placement: {}, clusters: ['worker-a', 'worker-b'] },
  { label: '10,000 shards restricted to worker-b', shards: 10_000, placement: { clusters: ['worker-b'] }, clusters: ['worker-b'] },
  // LIMITS.shards (100,000) keeps every Job at or under the API server's 10^5-completions threshold.
  { label: '100,000 shards (the run limit) on one cluster', shards: 100_000, placement: { clusters: ['worker-a'] }, clusters: ['worker-a'] },
];

for (const c of cases) {
  test(`renderJobs: ${c.label} → one admissible Job per receiving cluster, completions summing to the shards, parallelism within each cap`, () => {
    const jobs = renderJobs({ fleet: threeClusters, manifest: manifest(c.placement), runId: 'big-book-0123456789ab', shardCount: c.shards });
    assert.deepEqual(
      jobs.map((j) => j.metadata?.labels?.['altus.dev/cluster']),
      c.clusters,
    );
    assert.equal(
      jobs.reduce((sum, j) => sum + j.spec!.completions!, 0),
      c.shards,
    );
    let offset = 0;
    for (const job of jobs) {
      const cluster = threeClusters.clusters.find((k) => k.name === job.metadata?.labels?.['altus.dev/cluster'])!;
      assert.ok(job.spec!.parallelism! <= cluster.maxParallelism, `${cluster.name}: parallelism ${job.spec!.parallelism} over ${cluster.maxParallelism}`);
      assert.ok(job.spec!.parallelism! <= job.spec!.completions!);
      const env = Object.fromEntries(job.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
      assert.equal(Number(env.ALTUS_SHARD_OFFSET), offset, 'slices are contiguous in fleet order');
      assert.equal(env.ALTUS_PLAN_URI, 'gs://altus-test-project-altus-results/runs/big-book-0123456789ab/plan.json');
      assert.equal(job.spec!.backoffLimitPerIndex, 4);
      assert.equal(job.spec!.activeDeadlineSeconds, 7200);
      // What `altus render-jobs` prints shows the pod's placement and hardening.
      const pod = job.spec!.template;
      assert.equal(pod.metadata?.annotations?.['cluster-autoscaler.kubernetes.io/safe-to-evict'], 'false');
      assert.equal(pod.spec?.nodeSelector?.['altus.dev/pool'], 'batch');
      assert.equal(pod.spec?.securityContext?.seccompProfile?.type, 'RuntimeDefault');
      assert.match(String(pod.spec?.containers[0]?.resources?.limits?.['ephemeral-storage']), /^\d+Mi$/);
      offset += job.spec!.completions!;
      assert.deepEqual(fleetAdmission(threeClusters)(job), []);
    }
  });
}
