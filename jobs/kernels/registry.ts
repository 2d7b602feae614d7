/**
 * The built-in kernels, by registry name (`manifest.kernel.name`).
 */
import { blackScholes } from './black-scholes.ts';
import { europeanOptionMc } from './european-option-mc.ts';
import type { Kernel } from './kernel.ts';
import { portfolioVar } from './portfolio-var.ts';
import { scenarioRevaluation } from './scenario-revaluation.ts';

const BUILT_IN: readonly Kernel[] = [erased(blackScholes), erased(europeanOptionMc), erased(portfolioVar), erased(scenarioRevaluation)];

/** Every registered kernel, by name. */
export const kernels: ReadonlyMap<string, Kernel> = new Map(BUILT_IN.map((kernel) => [kernel.name, kernel]));

/** The kernel registered as `name`, or undefined. */
export function getKernel(name: string): Kernel | undefined {
  return kernels.get(name);
}

/** Registered kernel names, sorted (for `altus kernels` and error messages). */
export function kernelNames(): string[] {
  return [...kernels.keys()].sort();
}

/**
 * Forgets a kernel's option and parameter types so kernels of different types share
 * one map. Sound because every caller decodes options and parameter sets with that
 * same kernel's `optionsSchema` and `parametersSchema` before `prepare` and evaluation.
 */
function erased<O, P>(kernel: Kernel<O, P>): Kernel {
  return kernel as unknown as Kernel;
}
