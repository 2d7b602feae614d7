/**
 * The `altus/v1` run manifest: schema, defaults and the cross-field checks that
 * need the kernel registry. Decoded at the edge; everything inside trusts the types.
 */
import { z } from 'zod';
import { customKernelSchema, isCustomKernel } from './custom-kernel.ts';
import { resourcesSchema } from './resources.ts';

/**
 * The `parameters` block: exactly one parameter source, keyed by its kind
 * (`{"grid": {...}}`). The kinds and each block's schema belong to the source
 * registry (jobs/parameters/registry.ts), which validation and the worker decode
 * the block with, as the kernel registry does a kernel's options.
 */
export const parametersBlockSchema = z.record(z.string(), z.unknown());

/** A built-in kernel: `name` plus the kernel's own options, flat; checked against the kernel's schema later. */
export const builtInKernelSchema = z.object({ name: z.string().min(1).max(100) }).catchall(z.unknown());

/**
 * The kernel block: a built-in kernel, or a custom image (`image`, `command`,
 * optional `outputs` and `resources`; shared/custom-kernel.ts). Chosen by the presence of `image`, so an
 * error names the fields of the form the author meant rather than "no form matches".
 */
export const kernelBlockSchema = z.record(z.string(), z.unknown()).transform((block, ctx) => {
  const schema = isCustomKernel(block) ? customKernelSchema : builtInKernelSchema;
  const parsed = schema.safeParse(block);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});

/** Formats of a run's results: a Parquet dataset (a file per shard) or one NDJSON file. */
export const RESULTS_FORMATS = ['parquet', 'ndjson'] as const;
/** A run's results format. */
export type ResultsFormat = (typeof RESULTS_FORMATS)[number];

/** Default quantile levels when `aggregate.quantiles` is absent. */
export const DEFAULT_QUANTILES = [0.01, 0.05, 0.5, 0.95, 0.99] as const;

/** The `altus/v1` manifest. */
export const manifestSchema = z
  .object({
    apiVersion: z.literal('altus/v1'),
    kind: z.literal('Run'),
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit'),
    kernel: kernelBlockSchema,
    parameters: parametersBlockSchema,
    shardSize: z.number().int().min(1).max(100_000).default(1000),
    aggregate: z
      .object({
        metrics: z.array(z.string().min(1)).min(1).optional(),
        quantiles: z
          .array(z.number().gt(0).lt(1))
          .max(50)
          .default([...DEFAULT_QUANTILES]),
        /** Confidence levels of run-level VaR and ES of the `pnl` metric (checked against the metrics in validate). */
        expectedShortfall: z
          .array(z.number().gt(0).lt(1))
          .min(1)
          .max(20)
          .refine((levels) => new Set(levels).size === levels.length, 'each level once')
          .optional(),
      })
      .strict()
      .default({ quantiles: [...DEFAULT_QUANTILES] }),
    retries: z
      .object({ perShard: z.number().int().min(0).max(10).default(3) })
      .strict()
      .default({ perShard: 3 }),
    deadlineSeconds: z
      .number()
      .int()
      .min(10)
      .max(7 * 24 * 3600)
      .default(3600),
    placement: z
      .object({ clusters: z.array(z.string().min(1)).min(1).optional() })
      .strict()
      .default({}),
    /** How the run's rows are written: a Parquet dataset (default), or one NDJSON file. */
    results: z
      .object({ format: z.enum(RESULTS_FORMATS).default('parquet') })
      .strict()
      .default({ format: 'parquet' }),
    /** Pod resources beyond the fleet's defaults: `{"gpu": {"type": "nvidia-h100-80gb", "count": 1}}`. */
    resources: resourcesSchema.optional(),
  })
  .strict();

/** A manifest after defaults are applied. */
export type Manifest = z.infer<typeof manifestSchema>;
/** The `parameters` block of a manifest, as the source registry reads it. */
export type ParametersBlock = Manifest['parameters'];

/** Renders zod issues as lines a person can act on: `kernel.paths: expected number`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string {
  return issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${issueMessage(issue)}`;
    })
    .join('; ');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union') return 'does not match any accepted form (see the manifest reference)';
  return issue.message;
}
