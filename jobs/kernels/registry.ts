/**
 * The built-in kernels, by registry name (`manifest.kernel.name`).
 */
import { blackScholes } from './black-scholes.ts';
import { europeanOptionMc } from './european-option-mc.ts';
import type { Kernel } from './kernel.ts';
import { portfolioVar } from './portfolio-var.ts';
import { scenarioRevaluation } from './scenario-revaluation.ts';

const BUILT_IN: readonly Kernel[] = [erased(blackScholes), erased(europeanOptionMc), erased(portfolioVar), erased(scenarioRevaluation)];

/** Kernels by registry name; validation takes one (the built-ins by default), so tests can register their own. */
export type KernelRegistry = ReadonlyMap<string, Kernel>;

/** Every registered kernel, by name. */
export const kernels: KernelRegistry = new Map(BUILT_IN.map((kernel) => [kernel.name, kernel]));

/** The kernel registered as `name`, or undefined. */
export function getKernel(name: string): Kernel | undefined {
  return kernels.get(name);
}

/** Registered kernel names, sorted (for `altus kernels` and error messages). */
export function kernelNames(registry: KernelRegistry = kernels): string[] {
  return [...registry.keys()].sort();
}

/**
 * Forgets a kernel's option and parameter types so kernels of different types share
 * one map. Sound because every caller decodes options and parameter sets with that
 * same kernel's `optionsSchema` and `parametersSchema` before `prepare` and evaluation.
 */
function erased<O, P>(kernel: Kernel<O, P>): Kernel {
  return kernel as unknown as Kernel;
}
