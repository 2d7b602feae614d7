/**
 * GPUs requested by the kernel rather than the manifest: a custom kernel block's
 * `resources` (an image that needs a GPU) and a built-in kernel's registered
 * `resources` (a test registration: no built-in needs a GPU today). The rule
 * when both the kernel and the manifest's top-level `resources` say something:
 * they must agree, else MANIFEST_INVALID. The effective request is what
 * GPU_UNAVAILABLE checks, placement filters on, the run plan records, the Job
 * asks for and the cost estimate bills.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blackScholes } from '../../jobs/kernels/black-scholes.ts';
import type { Kernel } from '../../jobs/kernels/kernel.ts';
import { kernels, type KernelRegistry } from '../../jobs/kernels/registry.ts';
import { buildJob, jobGpuRequest } from '../../jobs/fleet/job-builder.ts';
import { fleetAdmission } from '../../jobs/fleet/admission.ts';
import { renderJobs } from '../../jobs/fleet/render.ts';
import { eligibleClusters } from '../../jobs/planning/placement.ts';
import { planRun } from '../../jobs/planning/plan.ts';
import { validateManifest, type ValidatedManifest } from '../../jobs/planning/validate.ts';
import { TEST_FLEET_CONFIG } from '../support/fleet-config.ts';
import { runCost } from '../../shared/cost.ts';
import { isCustomKernel } from '../../shared/custom-kernel.ts';
import { PermanentError } from '../../shared/errors.ts';
import { loadFleetConfig } from '../../shared/fleet-config.ts';
import type { GpuRequest } from '../../shared/resources.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { clusterNamed, jobRequest } from '../support/fleet-fixtures.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const h100: GpuRequest = { type: 'nvidia-h100-80gb', count: 1 };
const a100: GpuRequest = { type: 'nvidia-tesla-a100', count: 1 };
const IMAGE = 'us-central1-docker.pkg.dev/altus-demo-project/altus/cuda-pricer:1.0';
const option = { type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 };
const run = (kernel: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'altus/v1',
  kind: 'Run',
  name: 'kernel-gpu',
  kernel,
  parameters: { inline: [option, option, option] },
  shardSize: 1,
  ...extra,
});
const customGpuKernel = { image: IMAGE, command: ['./price'], outputs: ['price'], resources: { gpu: h100 } };

/** A built-in-style registration that declares a GPU: black-scholes under another name, needing an H100. */
const gpuBlackScholes: Kernel = { ...(blackScholes as unknown as Kernel), name: 'black-scholes-h100', resources: { gpu: h100 } };
const registry: KernelRegistry = new Map([...kernels, [gpuBlackScholes.name, gpuBlackScholes]]);

const rejection = (value: unknown, kernelRegistry?: KernelRegistry) => {
  try {
    validateManifest(value, fleet, kernelRegistry);
  } catch (error) {
    assert.ok(error instanceof PermanentError, String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a rejection');
};

/** What dispatch builds for the run on `clusterName`, from the plan's manifest as dispatch reads it. */
function dispatchedJob(validated: ValidatedManifest, clusterName: string) {
  const { manifest } = validated;
  return buildJob(
    jobRequest({
      fleet,
      cluster: clusterNamed(fleet, clusterName),
      ...(isCustomKernel(manifest.kernel) ? { customKernel: manifest.kernel } : {}),
      ...(manifest.resources?.gpu ? { gpu: manifest.resources.gpu } : {}),
    }),
  );
}

const noStore = {} as ObjectStore;

const sources: Array<[string, () => ValidatedManifest]> = [
  ['a custom kernel block with resources.gpu', () => validateManifest(run(customGpuKernel), fleet)],
  ['a built-in kernel whose registration declares resources.gpu', () => validateManifest(run({ name: 'black-scholes-h100' }), fleet, registry)],
];
for (const [label, validate] of sources) {
  test(`${label}: the run is a GPU run — placed on the H100 cluster only, its plan and Job carry the request, its cost is billed at the GPU price`, async () => {
    const validated = validate();
    assert.deepEqual(validated.manifest.resources, { gpu: h100 }, 'the effective request is on the validated manifest');
    assert.deepEqual(
      eligibleClusters(fleet, validated.manifest.placement.clusters, validated.manifest.resources?.gpu).map((c) => c.name),
      ['worker-a'],
    );

    const plan = await planRun({ runId: 'kernel-gpu-0123', validated, store: noStore, manifestsBucket: 'm', resultsBucket: 'r', manifestObject: null });
    assert.deepEqual(plan.manifest.resources?.gpu, h100, 'dispatch, reconcile and aggregate read the plan');

    const job = dispatchedJob(validated, 'worker-a');
    const pod = job.spec!.template.spec!;
    assert.equal(pod.containers[0]!.resources!.limits!['nvidia.com/gpu'], '1');
    assert.equal(pod.nodeSelector!['cloud.google.com/gke-accelerator'], 'nvidia-h100-80gb');
    assert.deepEqual(fleetAdmission(fleet)(job), []);

    const rendered = renderJobs({ fleet, manifest: validated.manifest, runId: 'kernel-gpu-0123', shardCount: 3 });
    assert.deepEqual(
      rendered.map((j) => [j.metadata!.labels!['altus.dev/cluster'], j.spec!.template.spec!.nodeSelector!['altus.dev/pool']]),
      [['worker-a', 'h100']],
    );

    // As aggregate bills it: one pod-hour on worker-a's Spot H100 pool, $2.25 per GPU-hour plus the host vCPU.
    const cost = runCost(fleet, plan.manifest.resources?.gpu, [{ cluster: 'worker-a', wallSeconds: 3600, cpuSeconds: 3600 }]);
    assert.equal(cost.gpuSeconds, 3600);
    assert.deepEqual(
      cost.byPool.map((p) => [p.gpuPool, p.prices.perGpuHour]),
      [['h100', 2.25]],
    );
  });
}

test("the manifest may repeat the kernel's request; the run is the same", () => {
  const custom = validateManifest(run(customGpuKernel, { resources: { gpu: h100 } }), fleet);
  assert.deepEqual(custom.manifest.resources, { gpu: h100 });
  const builtIn = validateManifest(run({ name: 'black-scholes-h100' }, { resources: { gpu: h100 } }), fleet, registry);
  assert.deepEqual(builtIn.manifest.resources, { gpu: h100 });
  assert.deepEqual(
    validateManifest(run({ name: 'black-scholes-h100' }, { resources: {} }), fleet, registry).manifest.resources,
    { gpu: h100 },
    'resources without gpu says nothing about GPUs',
  );
});

const conflicts: Array<[string, () => unknown, RegExp]> = [
  [
    'a custom kernel needing an H100, the manifest asking for an A100',
    () => validateManifest(run(customGpuKernel, { resources: { gpu: a100 } }), fleet),
    /^resources\.gpu: the manifest asks for 1 × nvidia-tesla-a100 per pod but kernel\.resources\.gpu needs 1 × nvidia-h100-80gb; they must agree/,
  ],
  [
    'a custom kernel needing one H100, the manifest asking for two',
    () => validateManifest(run(customGpuKernel, { resources: { gpu: { ...h100, count: 2 } } }), fleet),
    /asks for 2 × nvidia-h100-80gb per pod but kernel\.resources\.gpu needs 1 × nvidia-h100-80gb/,
  ],
  [
    'a registered kernel needing an H100, the manifest asking for an A100',
    () => validateManifest(run({ name: 'black-scholes-h100' }, { resources: { gpu: a100 } }), fleet, registry),
    /^resources\.gpu: the manifest asks for 1 × nvidia-tesla-a100 per pod but kernel "black-scholes-h100" \(its registration\) needs 1 × nvidia-h100-80gb; they must agree: drop resources\.gpu/,
  ],
];
for (const [label, validate, says] of conflicts) {
  test(`MANIFEST_INVALID when kernel and manifest disagree: ${label}`, () => {
    assert.throws(validate, (error: unknown) => error instanceof PermanentError && error.code === 'MANIFEST_INVALID' && says.test(error.message));
  });
}

test("GPU_UNAVAILABLE checks the kernel's request and names where it came from", () => {
  const custom = rejection(run({ ...customGpuKernel, resources: { gpu: { type: 'nvidia-l4', count: 1 } } }));
  assert.equal(custom.code, 'GPU_UNAVAILABLE');
  assert.match(
    custom.message,
    /^kernel\.resources\.gpu: no GPU pool of the available worker clusters has 1 × nvidia-l4 per node; available GPU types: nvidia-h100-80gb/,
  );
  const builtIn = rejection(run({ name: 'black-scholes-h100' }, { placement: { clusters: ['worker-b'] } }), registry);
  assert.equal(builtIn.code, 'GPU_UNAVAILABLE');
  assert.match(
    builtIn.message,
    /^kernel "black-scholes-h100" \(its registration\): no GPU pool of placement\.clusters \(worker-b\) has 1 × nvidia-h100-80gb per node; available GPU types: nvidia-tesla-a100/,
  );
});

test("custom kernel resources are schema-checked like the manifest's", () => {
  const invalid = rejection(run({ ...customGpuKernel, resources: { gpu: { type: 'nvidia-b200', count: 1 } } }));
  assert.equal(invalid.code, 'MANIFEST_INVALID');
  assert.match(invalid.message, /kernel\.resources\.gpu\.type/);
  assert.match(rejection(run({ ...customGpuKernel, resources: { cpu: '4' } })).message, /kernel\.resources: unknown field\(s\) "cpu"/);
});

test('the built-in kernels need no GPU, and the registry a validation uses is the built-ins by default', () => {
  for (const kernel of kernels.values()) assert.equal(kernel.resources, undefined, kernel.name);
  assert.equal(validateManifest(run({ name: 'black-scholes' }), fleet).manifest.resources, undefined);
  const unknown = rejection(run({ name: 'black-scholes-h100' }));
  assert.equal(unknown.code, 'UNKNOWN_KERNEL');
  assert.match(unknown.message, /registered kernels: black-scholes, european-option-mc, portfolio-var, scenario-revaluation$/);
  assert.match(rejection(run({ name: 'nope' }), registry).message, /registered kernels: black-scholes, black-scholes-h100, european-option-mc/);
});

test("the Job builder takes a custom kernel's own request when the run gives none, and refuses a contradiction", () => {
  const kernel = { image: IMAGE, command: ['./price'], outputs: ['price'], resources: { gpu: h100 } };
  assert.deepEqual(jobGpuRequest({ customKernel: kernel }), h100);
  assert.deepEqual(jobGpuRequest({ customKernel: kernel, gpu: h100 }), h100);
  assert.equal(jobGpuRequest({ customKernel: { ...kernel, resources: {} } }), undefined);
  assert.throws(() => jobGpuRequest({ customKernel: kernel, gpu: a100 }), /asks for 1 × nvidia-tesla-a100 but its custom kernel for 1 × nvidia-h100-80gb/);
  const job = buildJob(jobRequest({ fleet, cluster: clusterNamed(fleet, 'worker-a'), customKernel: kernel }));
  assert.equal(job.spec!.template.spec!.containers[0]!.resources!.requests!['nvidia.com/gpu'], '1');
});
