/**
 * The run's resources at validation: the kernel's request (a custom kernel's
 * `kernel.resources`, a built-in's registration) and the manifest's top-level
 * `resources`, which must agree, become the one effective request on the
 * validated manifest; then a GPU request must have a pool that can serve it.
 */
import { PermanentError } from '../../shared/errors.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import type { Manifest } from '../../shared/manifest.ts';
import { agreedGpuRequest, describeGpuRequest, describeGpuTypes, gpuPoolFor, type Resources } from '../../shared/resources.ts';

/**
 * The manifest with the run's effective resources at the top level. Rule: a
 * kernel's request and the manifest's `resources.gpu` must agree (same type and
 * count) when both are given; either alone is the run's. A contradiction is a
 * mistake in one of them, so it is rejected rather than silently resolved.
 */
export function withKernelResources(manifest: Manifest, kernelResources: Resources | undefined, kernelSource: string): { manifest: Manifest; source: string } {
  const kernelGpu = kernelResources?.gpu;
  if (!kernelGpu) return { manifest, source: 'resources.gpu' };
  const gpu = agreedGpuRequest(kernelGpu, manifest.resources?.gpu);
  if (gpu === 'conflict') {
    throw new PermanentError(
      'MANIFEST_INVALID',
      `resources.gpu: the manifest asks for ${describeGpuRequest(manifest.resources!.gpu!)} per pod but ${kernelSource} needs ${describeGpuRequest(kernelGpu)}; ` +
        "they must agree: drop resources.gpu (the kernel's request applies) or ask for the same",
    );
  }
  return { manifest: { ...manifest, resources: { ...manifest.resources, gpu: gpu! } }, source: manifest.resources?.gpu ? 'resources.gpu' : kernelSource };
}

/**
 * A GPU run needs an eligible cluster with a pool of that accelerator type and
 * enough accelerators per node; `source` names where the request came from.
 */
export function checkGpu(manifest: Manifest, fleet: FleetConfig, source: string): void {
  const gpu = manifest.resources?.gpu;
  if (!gpu) return;
  const wanted = manifest.placement.clusters;
  const candidates = fleet.clusters.filter((c) => c.available && (!wanted || wanted.includes(c.name)));
  if (candidates.some((c) => gpuPoolFor(c, gpu))) return;
  const available = describeGpuTypes(candidates);
  const where = wanted ? `placement.clusters (${wanted.join(', ')})` : 'the available worker clusters';
  throw new PermanentError(
    'GPU_UNAVAILABLE',
    `${source}: no GPU pool of ${where} has ${describeGpuRequest(gpu)} per node; ` +
      (available.length ? `available GPU types: ${available.join(', ')}` : 'they have no GPU pools'),
  );
}
