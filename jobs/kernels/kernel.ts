/**
 * The kernel contract: a pure function from one parameter set to named numeric
 * outputs, registered by name. Kernels run in worker pods, never in a function.
 */
import type { z } from 'zod';
import type { Resources } from '../../shared/resources.ts';

/** Named numeric outputs of one parameter set, e.g. `{ price: 4.76, stdError: 0.01 }`. */
export type KernelOutputs = Record<string, number>;

/**
 * A parameter set outside the kernel's domain (volatility <= 0, NaN, ...). It fails
 * only that parameter set, reported with its index and this reason.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
}

/** Evaluates one parameter set; `index` is its global parameter index (seeds random streams). */
export type KernelEvaluator<P> = (params: P, index: number) => KernelOutputs;

/** A registered kernel. */
export interface Kernel<O = unknown, P = unknown> {
  /** Registry name, as written in `manifest.kernel.name`. */
  readonly name: string;
  /** One line for `altus kernels` and docs/manifest.md. */
  readonly description: string;
  /** Kernel options (flat beside `name` in the manifest, without `name`); strict, with defaults. */
  readonly optionsSchema: z.ZodType<O>;
  /** Shape of one parameter set (types, required keys, defaults); domain checks happen in the evaluator. */
  readonly parametersSchema: z.ZodType<P>;
  /**
   * Optional fast path of {@link parametersSchema} for the per-row loop: returns
   * exactly what the schema's parse would (same keys, same order, defaults
   * filled) when `raw` has the plain expected shape, and undefined for anything
   * else, which the schema then judges (and words the error). Never accepts what
   * the schema refuses (test/unit/kernels/fast-parameters.test.ts).
   */
  readonly acceptParameters?: (raw: Record<string, unknown>) => P | undefined;
  /** Output names every successful evaluation returns, in this order. */
  readonly outputs: readonly string[];
  /**
   * What every run of this kernel needs beyond the fleet's default pod, e.g.
   * `{ gpu: { type: 'nvidia-h100-80gb', count: 1 } }`; absent for a CPU kernel.
   * A manifest's `resources.gpu` may repeat it but not contradict it.
   */
  readonly resources?: Resources;
  /** Prepares an evaluator once per shard (precomputation, buffers). */
  prepare(options: O): KernelEvaluator<P>;
}
