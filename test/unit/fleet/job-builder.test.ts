import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job } from '@kubernetes/client-node';
import { kubernetesAdmission, schemaProblems, unknownFields, fleetAdmission } from '../../../jobs/fleet/admission.ts';
import { buildJob, jobName, MAX_JOB_NAME } from '../../../jobs/fleet/job-builder.ts';
import { jobRuleProblems } from '../../../jobs/fleet/job-rules.ts';
import { clusterNamed, jobRequest, requestTable, threeClusters } from './fixtures.ts';

for (const { label, request } of requestTable()) {
  test(`buildJob (${label}) passes the schema, knows every field and obeys the API server's rules`, () => {
    const job = buildJob(request);
    assert.deepEqual(schemaProblems(job), []);
    assert.deepEqual(unknownFields(job, 'V1Job'), []);
    assert.deepEqual(jobRuleProblems(job, request.cluster), []);
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
  { label: 'misspelt container field', mutate: (j) => Object.assign(j.spec!.template.spec!.containers[0]!, { imagePullPolicyy: 'Always' }), expect: /containers\[0\]\.imagePullPolicyy: unknown field/ },
  { label: 'misspelt field in a failure policy rule', mutate: (j) => Object.assign(j.spec!.podFailurePolicy!.rules[0]!, { onPodCondition: [] }), expect: /rules\[0\]\.onPodCondition: unknown field/ },
  { label: 'unknown top-level field', mutate: (j) => Object.assign(j, { specs: {} }), expect: /^specs: unknown field$/ },
  { label: 'string where an integer belongs', mutate: (j) => Object.assign(j.spec!, { completions: '100' }), expect: /spec\.completions: must be integer/ },
  { label: 'completionMode outside the enum', mutate: (j) => Object.assign(j.spec!, { completionMode: 'indexed' }), expect: /spec\.completionMode: must be equal to one of the allowed values/ },
  { label: 'container without a name', mutate: (j) => delete (j.spec!.template.spec!.containers[0] as { name?: string }).name, expect: /containers\.0: must have required property name/ },
];

for (const c of schemaCases) {
  test(`admission refuses a Job with a ${c.label}`, () => {
    const job = validJob();
    c.mutate(job);
    const problems = kubernetesAdmission(job);
    assert.ok(problems.some((p) => c.expect.test(p)), `expected ${c.expect} in ${JSON.stringify(problems)}`);
  });
}

const ruleCases: Array<{ label: string; mutate: (job: V1Job) => void; expect: RegExp; cluster?: typeof spotCluster }> = [
  { label: 'backoffLimitPerIndex without Indexed', mutate: (j) => { j.spec!.completionMode = 'NonIndexed'; }, expect: /backoffLimitPerIndex: Invalid value: requires indexed completion mode/ },
  { label: 'podFailurePolicy with restartPolicy OnFailure', mutate: (j) => { j.spec!.template.spec!.restartPolicy = 'OnFailure'; }, expect: /restartPolicy: Invalid value: only "Never"/ },
  { label: 'podFailurePolicy with podReplacementPolicy TerminatingOrFailed', mutate: (j) => { j.spec!.podReplacementPolicy = 'TerminatingOrFailed'; }, expect: /podReplacementPolicy: Not supported: must be Failed/ },
  { label: 'FailIndex without backoffLimitPerIndex', mutate: (j) => { delete j.spec!.backoffLimitPerIndex; delete j.spec!.maxFailedIndexes; }, expect: /rules\[1\]\.action: Invalid value: "FailIndex"/ },
  { label: 'maxFailedIndexes above completions', mutate: (j) => { j.spec!.maxFailedIndexes = j.spec!.completions! + 1; }, expect: /maxFailedIndexes: .*must be less than or equal to completions/ },
  { label: 'maxFailedIndexes above 10^4 with 10^5+1 completions', mutate: (j) => { j.spec!.completions = 100_001; j.spec!.maxFailedIndexes = 100_001; j.spec!.parallelism = 100; }, expect: /maxFailedIndexes: .*10000 when completions are above 100000/ },
  { label: 'parallelism above 10^4 with 10^5+1 completions', mutate: (j) => { j.spec!.completions = 100_001; j.spec!.maxFailedIndexes = 10; j.spec!.parallelism = 10_001; }, expect: /parallelism: .*10000 when completions are above 100000/ },
  { label: 'maxFailedIndexes without backoffLimitPerIndex', mutate: (j) => { delete j.spec!.backoffLimitPerIndex; j.spec!.podFailurePolicy!.rules.pop(); }, expect: /backoffLimitPerIndex: Required value: when maxFailedIndexes/ },
  { label: 'upper-case name', mutate: (j) => { j.metadata!.name = 'Altus-Run'; }, expect: /metadata\.name: .*not a DNS-1123 subdomain/ },
  { label: 'name whose last pod hostname passes 63', mutate: (j) => { j.metadata!.name = 'a'.repeat(61); }, expect: /invalid DNS label: a{61}-99$/ },
  { label: 'label value of 64 characters', mutate: (j) => { j.metadata!.labels!['altus.dev/run-id'] = 'r'.repeat(64); }, expect: /metadata\.labels\[altus\.dev\/run-id\]: .*no more than 63/ },
  { label: 'label value with a space', mutate: (j) => { j.spec!.template.metadata!.labels!['altus.dev/cluster'] = 'worker a'; }, expect: /template\.metadata\.labels\[altus\.dev\/cluster\]: .*not a valid label value/ },
  { label: 'invalid label key', mutate: (j) => { j.metadata!.labels!['Altus_/x'] = 'y'; }, expect: /not a qualified label key/ },
  { label: 'negative backoffLimitPerIndex', mutate: (j) => { j.spec!.backoffLimitPerIndex = -1; }, expect: /backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0/ },
  { label: 'Indexed without completions', mutate: (j) => { delete j.spec!.completions; }, expect: /completions: Required value: when completion mode is Indexed/ },
  { label: 'exit codes out of order', mutate: (j) => { j.spec!.podFailurePolicy!.rules[1]!.onExitCodes!.values.reverse(); }, expect: /values: Invalid value: must be ordered and unique/ },
  { label: 'exit-code rule naming a missing container', mutate: (j) => { j.spec!.podFailurePolicy!.rules[1]!.onExitCodes!.containerName = 'wroker'; }, expect: /containerName: Invalid value: "wroker"/ },
  { label: 'parallelism above completions', mutate: (j) => { j.spec!.parallelism = j.spec!.completions! + 1; }, expect: /parallelism: .*at most completions|parallelism: .*less than or equal to completions/ },
  { label: 'terminationGracePeriodSeconds of 30', mutate: (j) => { j.spec!.template.spec!.terminationGracePeriodSeconds = 30; }, expect: /terminationGracePeriodSeconds: Invalid value: 30/ },
  { label: 'Spot cluster without the Spot toleration', mutate: (j) => { delete j.spec!.template.spec!.tolerations; }, expect: /tolerations: .*must be present on Spot cluster worker-a/ },
  { label: 'Spot cluster without the Spot selector', mutate: (j) => { delete j.spec!.template.spec!.nodeSelector; }, expect: /nodeSelector: .*must be present on Spot cluster/ },
  { label: 'Spot selector on an on-demand cluster', mutate: (j) => { j.spec!.template.spec!.nodeSelector = { 'cloud.google.com/gke-spot': 'true' }; }, cluster: onDemand, expect: /nodeSelector: .*must be absent on on-demand cluster/ },
];

for (const c of ruleCases) {
  test(`the rules refuse a Job with ${c.label}`, () => {
    const job = validJob(c.cluster);
    assert.deepEqual(jobRuleProblems(job, c.cluster ?? spotCluster).filter((p) => c.expect.test(p)), [], 'the unmutated Job must pass this rule');
    c.mutate(job);
    const problems = jobRuleProblems(job, c.cluster ?? spotCluster);
    assert.ok(problems.some((p) => c.expect.test(p)), `expected ${c.expect} in ${JSON.stringify(problems)}`);
  });
}

test('the local API server admission (kubernetesAdmission) refuses what the rules refuse', () => {
  const job = validJob();
  job.spec!.podReplacementPolicy = 'TerminatingOrFailed';
  assert.match(kubernetesAdmission(job).join('\n'), /podReplacementPolicy/);
  assert.deepEqual(kubernetesAdmission(validJob()), []);
});
