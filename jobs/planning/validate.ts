/**
 * Validates a decoded manifest against the schema, the kernel registry and the
 * fleet configuration. Every failure is a {@link PermanentError} with a documented
 * code and a message that says what to fix; nothing here touches the network.
 */
import { allowedRegistryOf, isCustomKernel, MAX_OUTPUTS, outputNameProblem, type CustomKernel } from '../../shared/custom-kernel.ts';
import { PermanentError } from '../../shared/errors.ts';
import type { FleetConfig } from '../../shared/fleet-config.ts';
import { LIMITS } from '../../shared/limits.ts';
import { describeIssues, manifestSchema, type Manifest } from '../../shared/manifest.ts';
import { PNL_METRIC } from '../../shared/stats/tail-risk.ts';
import type { Kernel } from '../kernels/kernel.ts';
import { kernelNames, kernels, type KernelRegistry } from '../kernels/registry.ts';
import { parameterSources, resolveSource, type ResolvedSource, type SourceRegistry } from '../parameters/registry.ts';
import { checkGpu, withKernelResources } from './validate-resources.ts';

/** A manifest that passed every check, with its kernel resolved. */
export interface ValidatedManifest {
  /**
   * The manifest, its top-level `resources` holding the run's effective request:
   * the manifest's own and the kernel's (a custom kernel's `kernel.resources`,
   * a built-in's registration), which must agree. Placement, the Job builder and
   * the cost estimate read `manifest.resources` only.
   */
  manifest: Manifest;
  /** The built-in kernel; null for a custom image (`manifest.kernel` then holds image, command, and outputs if declared). */
  kernel: Kernel | null;
  kernelOptions: Record<string, unknown>;
  /**
   * Outputs to aggregate: in kernel output order, or in `aggregate.metrics` order
   * for a custom kernel without `outputs`; empty when {@link discoverMetrics}.
   */
  metrics: string[];
  /**
   * A custom kernel with neither `outputs` nor `aggregate.metrics`: every numeric
   * field the command writes is aggregated, as each shard discovers them.
   */
  discoverMetrics: boolean;
  /** Parameter count, known up front for a generated source (a file is counted when indexed). */
  parameterCount: number | null;
}

/**
 * Checks a decoded manifest against the fleet, the kernel registry and the
 * parameter-source registry (the built-ins unless given); throws
 * {@link PermanentError} on the first class of problem found.
 */
export function validateManifest(
  value: unknown,
  fleet: FleetConfig,
  registry: KernelRegistry = kernels,
  sources: SourceRegistry = parameterSources,
): ValidatedManifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) throw new PermanentError('MANIFEST_INVALID', describeIssues(parsed.error.issues));
  // The source's block is part of the schema a person wrote: its problems come first, as the rest of the schema's do.
  const parameterSource = resolveSource(parsed.data.parameters, sources);
  const block = parsed.data.kernel;
  if (isCustomKernel(block)) {
    const gpu = withKernelResources(parsed.data, block.resources, 'kernel.resources.gpu');
    return validateCustomKernelManifest(gpu.manifest, block, fleet, gpu.source, parameterSource);
  }

  const kernel = registry.get(block.name);
  if (!kernel) {
    throw new PermanentError('UNKNOWN_KERNEL', `kernel.name: unknown kernel "${block.name}"; registered kernels: ${kernelNames(registry).join(', ')}`);
  }
  const { manifest, source } = withKernelResources(parsed.data, kernel.resources, `kernel "${kernel.name}" (its registration)`);
  const { name: _name, ...rawOptions } = block;
  const options = kernelOptions(kernel, rawOptions);
  if (!options.success) throw new PermanentError('KERNEL_OPTIONS_INVALID', describeIssues(options.error.issues, 'kernel'));

  const metrics = resolveMetrics(manifest, kernel.outputs, kernel.name);
  checkRiskMetric(manifest, kernel.outputs, kernel.name, metrics);
  checkPlacement(manifest, fleet);
  checkGpu(manifest, fleet, source);
  const parameters = checkParameters(manifest, kernel, parameterSource);
  return {
    manifest: parameters.manifest,
    parameterCount: parameters.parameterCount,
    kernel,
    kernelOptions: options.data as Record<string, unknown>,
    metrics,
    discoverMetrics: false,
  };
}

/**
 * The kernel's options through its schema. A kernel's own checks may throw (the
 * scenario book is valued inside its schema, and a position it cannot value
 * throws a DomainError): at this edge that is still a refused option with its
 * message, never an exception that would have the event retried and parked.
 */
function kernelOptions(kernel: Kernel, rawOptions: Record<string, unknown>): ReturnType<Kernel['optionsSchema']['safeParse']> {
  try {
    return kernel.optionsSchema.safeParse(rawOptions);
  } catch (error) {
    throw new PermanentError('KERNEL_OPTIONS_INVALID', `kernel: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A custom image: it must come from a registry of `allowedImageRegistries` (the
 * worker pods run it with the worker identity), and parameter sets only need to
 * be JSON objects — their shape is the user's command's business.
 */
function validateCustomKernelManifest(
  manifest: Manifest,
  kernel: CustomKernel,
  fleet: FleetConfig,
  gpuSource: string,
  parameterSource: ResolvedSource,
): ValidatedManifest {
  if (!allowedRegistryOf(kernel.image, fleet.allowedImageRegistries)) {
    const allowed = fleet.allowedImageRegistries;
    throw new PermanentError(
      'IMAGE_NOT_ALLOWED',
      allowed.length === 0
        ? `kernel.image: "${kernel.image}" cannot run: this fleet allows no custom kernel images (allowedImageRegistries is empty)`
        : `kernel.image: "${kernel.image}" is not in an allowed registry; push it under one of: ${allowed.join(', ')}`,
    );
  }
  const { metrics, discoverMetrics } = customKernelMetrics(manifest, kernel);
  checkPlacement(manifest, fleet);
  checkGpu(manifest, fleet, gpuSource);
  const parameters = checkParameters(manifest, null, parameterSource);
  return { ...parameters, kernel: null, kernelOptions: {}, metrics, discoverMetrics };
}

/**
 * What a custom kernel's run aggregates: among the declared `outputs` as for a
 * built-in; without them, what `aggregate.metrics` names (each line must then
 * carry those numbers); without either, whatever numeric fields the command writes.
 */
function customKernelMetrics(manifest: Manifest, kernel: CustomKernel): { metrics: string[]; discoverMetrics: boolean } {
  const producer = 'the custom kernel (kernel.outputs)';
  if (kernel.outputs) {
    const metrics = resolveMetrics(manifest, kernel.outputs, producer);
    checkRiskMetric(manifest, kernel.outputs, producer, metrics);
    return { metrics, discoverMetrics: false };
  }
  const requested = manifest.aggregate.metrics;
  if (manifest.aggregate.expectedShortfall && !requested?.includes(PNL_METRIC)) {
    throw new PermanentError(
      'MANIFEST_INVALID',
      `aggregate.expectedShortfall: VaR and ES are taken over the "${PNL_METRIC}" metric; without kernel.outputs, name it: add "${PNL_METRIC}" to aggregate.metrics`,
    );
  }
  if (!requested) return { metrics: [], discoverMetrics: true };
  const metrics = [...new Set(requested)];
  const badNames = metrics.flatMap((m) => {
    const problem = outputNameProblem(m);
    return problem ? [`"${m}" (${problem})`] : [];
  });
  if (badNames.length > 0)
    throw new PermanentError('MANIFEST_INVALID', `aggregate.metrics: ${badNames.join(', ')}: the command's output lines cannot carry it`);
  if (metrics.length > MAX_OUTPUTS) throw new PermanentError('MANIFEST_INVALID', `aggregate.metrics: ${metrics.length} metrics; at most ${MAX_OUTPUTS}`);
  return { metrics, discoverMetrics: false };
}

function resolveMetrics(manifest: Manifest, outputs: readonly string[], producer: string): string[] {
  const requested = manifest.aggregate.metrics;
  if (!requested) return [...outputs];
  const unknown = requested.filter((m) => !outputs.includes(m));
  if (unknown.length > 0) {
    throw new PermanentError(
      'MANIFEST_INVALID',
      `aggregate.metrics: ${unknown.map((m) => `"${m}"`).join(', ')} not produced by ${producer}; its outputs are ${outputs.join(', ')}`,
    );
  }
  return outputs.filter((o) => requested.includes(o));
}

/** `aggregate.expectedShortfall` needs a P&L to take the tail of: `pnl` among the aggregated metrics. */
function checkRiskMetric(manifest: Manifest, outputs: readonly string[], producer: string, metrics: readonly string[]): void {
  if (!manifest.aggregate.expectedShortfall || metrics.includes(PNL_METRIC)) return;
  const why = outputs.includes(PNL_METRIC)
    ? `add "${PNL_METRIC}" to aggregate.metrics`
    : `${producer} outputs ${outputs.join(', ')}; use a kernel that outputs "${PNL_METRIC}", e.g. scenario-revaluation`;
  throw new PermanentError(
    'MANIFEST_INVALID',
    `aggregate.expectedShortfall: VaR and ES are taken over the "${PNL_METRIC}" metric, which this run does not aggregate; ${why}`,
  );
}

function checkPlacement(manifest: Manifest, fleet: FleetConfig): void {
  const wanted = manifest.placement.clusters;
  if (!wanted) {
    if (!fleet.clusters.some((c) => c.available)) throw new PermanentError('PLACEMENT_INVALID', 'no worker cluster of the fleet is available');
    return;
  }
  const names = fleet.clusters.map((c) => c.name);
  const unknown = wanted.filter((w) => !names.includes(w));
  if (unknown.length > 0) {
    throw new PermanentError('PLACEMENT_INVALID', `placement.clusters: unknown cluster(s) ${unknown.join(', ')}; the fleet has ${names.join(', ')}`);
  }
  if (!fleet.clusters.some((c) => wanted.includes(c.name) && c.available)) {
    throw new PermanentError('PLACEMENT_INVALID', `placement.clusters: none of ${wanted.join(', ')} is available`);
  }
}

/**
 * Checks the decoded parameter source as far as it can be without reading
 * anything: its count against the caps, its sample sets against a built-in
 * kernel's parameter schema. The manifest then carries the decoded block.
 */
function checkParameters(manifest: Manifest, kernel: Kernel | null, source: ResolvedSource): { manifest: Manifest; parameterCount: number | null } {
  const { count, samples } = source.inspect();
  if (count !== null) checkCounts(count, manifest.shardSize);
  for (const { where, params } of samples) checkShape(kernel, params, where);
  return { manifest: { ...manifest, parameters: { [source.kind]: source.block } }, parameterCount: count };
}

/** Throws when the count or the shard count exceeds the caps. */
export function checkCounts(count: number, shardSize: number): void {
  if (count === 0) throw new PermanentError('PARAMETERS_EMPTY', 'the parameter source yields no parameter sets');
  if (count > LIMITS.parameters) {
    throw new PermanentError('PARAMETERS_TOO_MANY', `the source yields ${count} parameter sets; the cap is ${LIMITS.parameters}. Split the run.`);
  }
  const shards = Math.ceil(count / shardSize);
  if (shards > LIMITS.shards) {
    throw new PermanentError(
      'TOO_MANY_SHARDS',
      `${count} parameter sets at shardSize ${shardSize} make ${shards} shards; the cap is ${LIMITS.shards}. Use shardSize >= ${Math.ceil(count / LIMITS.shards)}.`,
    );
  }
}

function checkShape(kernel: Kernel | null, params: Record<string, unknown>, where: string): void {
  if (!kernel) return;
  const result = kernel.parametersSchema.safeParse(params);
  if (!result.success) throw new PermanentError('MANIFEST_INVALID', `${where}: ${describeIssues(result.error.issues)}`);
}
