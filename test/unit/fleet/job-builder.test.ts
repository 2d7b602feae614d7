import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job } from '@kubernetes/client-node';
import { kubernetesAdmission, schemaProblems, unknownFields, fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { buildJob, jobName, MAX_JOB_NAME } from '../../../jobs/fleet/job-builder.ts';
import { fleetRuleProblems } from '../../../jobs/fleet/fleet-rules.ts';
import { clusterNamed, jobRequest, requestTable, threeClusters } from '../../support/fleet-fixtures.ts';

for (const { label, request } of requestTable()) {
  test(`buildJob (${label}) passes the schema, knows every field and obeys the fleet's rules`, () => {
    const job = buildJob(request);
    assert.deepEqual(schemaProblems(job), []);
    assert.deepEqual(unknownFields(job, 'V1Job'), []);
    assert.deepEqual(fleetRuleProblems(job, request.cluster), []);
    assert.deepEqual(fleetAdmission(request.fleet)(job), []);
    const count = 'list' in request.shards ? request.shards.list.length : request.shards.count;
    assert.equal(job.spec?.completions, count);
    assert.equal(job.spec?.backoffLimitPerIndex, request.retriesPerShard);
    assert.equal(job.spec?.activeDeadlineSeconds, request.deadlineSeconds);
    assert.ok(job.metadata!.name!.length <= MAX_JOB_NAME);
  });
}

test('jobName is deterministic and distinct per (run, cluster, attempt) even when shortened', () => {
  const run = 'a-very-long-run-id-of-forty-characters-x';
  const names = new Set<string>();
  for (const cluster of threeClusters.clusters) for (const attempt of [0, 1, 12]) names.add(jobName(run, cluster.name, attempt));
  assert.equal(names.size, 9);
  assert.equal(jobName(run, 'worker-a', 1), jobName(run, 'worker-a', 1));
});

/** A valid Job, deep-copied so each case mutates its own. */
const spotCluster = clusterNamed(threeClusters, 'worker-a');
const onDemand = clusterNamed(threeClusters, 'worker-on-demand-with-a-long-name-x40ch');
const validJob = (cluster = spotCluster): V1Job => structuredClone(buildJob(jobRequest({ cluster })));

const schemaCases: Array<{ label: string; mutate: (job: V1Job) => void; expect: RegExp }> = [
  { label: 'misspelt spec field', mutate: (j) => Object.assign(j.spec!, { backofLimitPerIndex: 3 }), expect: /^spec\.backofLimitPerIndex: unknown field$/ },
  {
    label: 'misspelt container field',
    mutate: (j) => Object.assign(j.spec!.template.spec!.containers[0]!, { imagePullPolicyy: 'Always' }),
    expect: /containers\[0\]\.imagePullPolicyy: unknown field/,
  },
  {
    label: 'misspelt field in a failure policy rule',
    mutate: (j) => Object.assign(j.spec!.podFailurePolicy!.rules[0]!, { onPodCondition: [] }),
    expect: /rules\[0\]\.onPodCondition: unknown field/,
  },
  { label: 'unknown top-level field', mutate: (j) => Object.assign(j, { specs: {} }), expect: /^specs: unknown field$/ },
  { label: 'string where an integer belongs', mutate: (j) => Object.assign(j.spec!, { completions: '100' }), expect: /spec\.completions: must be integer/ },
  {
    label: 'completionMode outside the enum',
    mutate: (j) => Object.assign(j.spec!, { completionMode: 'indexed' }),
    expect: /spec\.completionMode: must be equal to one of the allowed values/,
  },
  {
    label: 'container without a name',
    mutate: (j) => delete (j.spec!.template.spec!.containers[0] as { name?: string }).name,
    expect: /containers\.0: must have required property name/,
  },
];

for (const c of schemaCases) {
  test(`admission refuses a Job with a ${c.label}`, () => {
    const job = validJob();
    c.mutate(job);
    const problems = kubernetesAdmission(job);
    assert.ok(
      problems.some((p) => c.expect.test(p)),
      `expected ${c.expect} in ${JSON.stringify(problems)}`,
    );
  });
}

/** Altus's own rules; what the API server validates is judged by the real one (test/e2e/job-admission.test.ts). */
const ruleCases: Array<{ label: string; mutate: (job: V1Job) => void; expect: RegExp; cluster?: typeof spotCluster }> = [
  {
    label: 'parallelism above completions',
    mutate: (j) => {
      j.spec!.parallelism = j.spec!.completions! + 1;
    },
    expect: /parallelism: .*at most completions|parallelism: .*less than or equal to completions/,
  },
  {
    label: 'terminationGracePeriodSeconds of 30',
    mutate: (j) => {
      j.spec!.template.spec!.terminationGracePeriodSeconds = 30;
    },
    expect: /terminationGracePeriodSeconds: Invalid value: 30/,
  },
  {
    label: 'Spot cluster without the Spot toleration',
    mutate: (j) => {
      delete j.spec!.template.spec!.tolerations;
    },
    expect: /tolerations: .*must be present on Spot cluster worker-a/,
  },
  {
    label: 'Spot cluster without the Spot selector',
    mutate: (j) => {
      delete j.spec!.template.spec!.nodeSelector;
    },
    expect: /nodeSelector: .*must be present on Spot cluster/,
  },
  {
    label: 'Spot selector on an on-demand cluster',
    mutate: (j) => {
      j.spec!.template.spec!.nodeSelector = { 'cloud.google.com/gke-spot': 'true' };
    },
    cluster: onDemand,
    expect: /nodeSelector: .*must be absent on on-demand cluster/,
  },
];

for (const c of ruleCases) {
  test(`the fleet rules refuse a Job with ${c.label}`, () => {
    const job = validJob(c.cluster);
    assert.deepEqual(
      fleetRuleProblems(job, c.cluster ?? spotCluster).filter((p) => c.expect.test(p)),
      [],
      'the unmutated Job must pass this rule',
    );
    c.mutate(job);
    const problems = fleetRuleProblems(job, c.cluster ?? spotCluster);
    assert.ok(
      problems.some((p) => c.expect.test(p)),
      `expected ${c.expect} in ${JSON.stringify(problems)}`,
    );
  });
}

test('offline admission (kubernetesAdmission) applies the fleet rules that need no cluster', () => {
  const job = validJob();
  job.spec!.template.spec!.terminationGracePeriodSeconds = 30;
  assert.match(kubernetesAdmission(job).join('\n'), /terminationGracePeriodSeconds/);
  assert.deepEqual(kubernetesAdmission(validJob()), []);
});
