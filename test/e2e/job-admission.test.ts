/**
 * What the API server validates in a Job is judged by the real kube-apiserver,
 * not by a copy of its rules: every Job shape the builder makes is accepted by a
 * server-side dry run (strict field validation, as dispatch creates them), and a
 * Job broken in each way Altus could plausibly break one is refused with the
 * server's own message. The fleet's own rules (Spot, GPU pools, grace period)
 * are tested offline in test/unit/fleet/job-builder.test.ts and test/unit/gpu.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException, BatchV1Api, type V1Job } from '@kubernetes/client-node';
import { buildJob } from '../../jobs/fleet/job-builder.ts';
import { localClusterAccess } from '../../jobs/fleet/local/local-access.ts';
import { KUBE_USERS } from '../../scripts/stack/control-plane.ts';
import { GPU_RESOURCE } from '../../shared/resources.ts';
import { clusterNamed, jobRequest, requestTable, threeClusters } from '../support/fleet-fixtures.ts';
import { testStack } from '../support/stack.ts';

const stack = testStack();
const CLUSTER = 'worker-a';

async function batch(): Promise<BatchV1Api> {
  return (await localClusterAccess(stack.kubeconfig, KUBE_USERS.operator)(CLUSTER)).makeApiClient(BatchV1Api);
}

/** The API server's verdict on `job` in a dry run: undefined when accepted, else its message. */
async function verdict(api: BatchV1Api, job: V1Job): Promise<string | undefined> {
  try {
    await api.createNamespacedJob({ namespace: job.metadata!.namespace!, body: job, dryRun: 'All', fieldValidation: 'Strict' });
    return undefined;
  } catch (error) {
    if (!(error instanceof ApiException) || (error.code !== 422 && error.code !== 400)) throw error;
    const body = typeof error.body === 'string' ? (JSON.parse(error.body) as { message?: string }) : (error.body as { message?: string });
    return body.message ?? String(error.body);
  }
}

test('the real API server accepts every Job shape the builder makes (dry run, strict fields)', async () => {
  const api = await batch();
  for (const { label, request } of requestTable()) {
    assert.equal(await verdict(api, buildJob(request)), undefined, label);
  }
});

const spotCluster = clusterNamed(threeClusters, 'worker-a');
const validJob = (): V1Job => structuredClone(buildJob(jobRequest({ cluster: spotCluster })));
const gpu = (job: V1Job) => job.spec!.template.spec!.containers[0]!.resources!;

/** Ways a Job could be wrong that only the API server's cross-field validation catches, with its message. */
const refused: Array<{ label: string; mutate: (job: V1Job) => void; expect: RegExp }> = [
  {
    label: 'backoffLimitPerIndex without Indexed',
    mutate: (j) => {
      j.spec!.completionMode = 'NonIndexed';
    },
    expect: /spec\.backoffLimitPerIndex: Invalid value: .*requires indexed completion mode/,
  },
  {
    label: 'podFailurePolicy with restartPolicy OnFailure',
    mutate: (j) => {
      j.spec!.template.spec!.restartPolicy = 'OnFailure';
    },
    expect: /restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified/,
  },
  {
    label: 'podFailurePolicy with podReplacementPolicy TerminatingOrFailed',
    mutate: (j) => {
      j.spec!.podReplacementPolicy = 'TerminatingOrFailed';
    },
    expect: /spec\.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"/,
  },
  {
    label: 'FailIndex without backoffLimitPerIndex',
    mutate: (j) => {
      delete j.spec!.backoffLimitPerIndex;
      delete j.spec!.maxFailedIndexes;
    },
    expect: /rules\[1\]\.action: Invalid value: "FailIndex"/,
  },
  {
    label: 'maxFailedIndexes above completions',
    mutate: (j) => {
      j.spec!.maxFailedIndexes = j.spec!.completions! + 1;
    },
    expect: /spec\.maxFailedIndexes: Invalid value: 101: must be less than or equal to completions/,
  },
  {
    label: 'maxFailedIndexes above 10^4 with 10^5+1 completions',
    mutate: (j) => {
      j.spec!.completions = 100_001;
      j.spec!.maxFailedIndexes = 100_001;
      j.spec!.parallelism = 100;
    },
    expect: /spec\.maxFailedIndexes: Invalid value: 100001: must be less than or equal to 10000/,
  },
  {
    label: 'parallelism above 10^4 with 10^5+1 completions',
    mutate: (j) => {
      j.spec!.completions = 100_001;
      j.spec!.maxFailedIndexes = 10;
      j.spec!.parallelism = 10_001;
    },
    expect: /spec\.parallelism: Invalid value: 10001: must be less than or equal to 10000/,
  },
  {
    label: 'maxFailedIndexes without backoffLimitPerIndex',
    mutate: (j) => {
      delete j.spec!.backoffLimitPerIndex;
      j.spec!.podFailurePolicy!.rules.pop();
    },
    expect: /spec\.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified/,
  },
  {
    label: 'an upper-case name',
    mutate: (j) => {
      j.metadata!.name = 'Altus-Run';
    },
    expect: /metadata\.name: Invalid value: "Altus-Run"/,
  },
  {
    label: 'a name whose last pod hostname passes 63 characters',
    mutate: (j) => {
      j.metadata!.name = 'a'.repeat(61);
    },
    expect: /a{61}-99/,
  },
  {
    label: 'a label value of 64 characters',
    mutate: (j) => {
      j.metadata!.labels!['altus.dev/run-id'] = 'r'.repeat(64);
    },
    expect: /metadata\.labels: Invalid value: "r{64}": must be no more than 63 (characters|bytes)/,
  },
  {
    label: 'a label value with a space',
    mutate: (j) => {
      j.spec!.template.metadata!.labels!['altus.dev/cluster'] = 'worker a';
    },
    expect: /spec\.template\.labels: Invalid value: "worker a"/,
  },
  {
    label: 'an invalid label key',
    mutate: (j) => {
      j.metadata!.labels!['Altus_/x'] = 'y';
    },
    expect: /metadata\.labels: Invalid value: "Altus_\/x"/,
  },
  {
    label: 'a negative backoffLimitPerIndex',
    mutate: (j) => {
      j.spec!.backoffLimitPerIndex = -1;
    },
    expect: /spec\.backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0/,
  },
  {
    label: 'Indexed without completions',
    mutate: (j) => {
      delete j.spec!.completions;
      delete j.spec!.maxFailedIndexes;
    },
    expect: /spec\.completions: Required value: when completion mode is Indexed/,
  },
  {
    label: 'exit codes out of order',
    mutate: (j) => {
      j.spec!.podFailurePolicy!.rules[1]!.onExitCodes!.values.reverse();
    },
    expect: /onExitCodes\.values: Invalid value: \[43,42\]: must be ordered/,
  },
  {
    label: 'an exit-code rule naming a missing container',
    mutate: (j) => {
      j.spec!.podFailurePolicy!.rules[1]!.onExitCodes!.containerName = 'wroker';
    },
    expect: /onExitCodes\.containerName: Invalid value: "wroker": must be one of the container or initContainer names/,
  },
  {
    label: 'GPU requests unequal to limits',
    mutate: (j) => {
      gpu(j).requests![GPU_RESOURCE] = '0';
      gpu(j).limits![GPU_RESOURCE] = '1';
    },
    expect: /resources\.requests: Invalid value: "0": must be equal to nvidia\.com\/gpu limit of 1/,
  },
  {
    label: 'a fractional GPU',
    mutate: (j) => {
      gpu(j).limits![GPU_RESOURCE] = '0.5';
      gpu(j).requests![GPU_RESOURCE] = '0.5';
    },
    expect: /nvidia\.com\/gpu\]: Invalid value: "500m": must be an integer/,
  },
  {
    label: 'GPU requests without limits',
    mutate: (j) => {
      gpu(j).requests![GPU_RESOURCE] = '1';
    },
    expect: /Limit must be set for non overcommitable resources/,
  },
];

for (const c of refused) {
  test(`the real API server refuses a Job with ${c.label}`, async () => {
    const api = await batch();
    const job = validJob();
    c.mutate(job);
    const message = await verdict(api, job);
    assert.ok(message, 'the API server accepted it');
    assert.match(message, c.expect);
  });
}
