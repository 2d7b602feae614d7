/**
 * Custom kernels: a manifest may name an image built FROM the Altus worker image
 * and a command in it, instead of a built-in kernel. The worker runtime runs the
 * command once per shard (NDJSON parameter sets on stdin, one output object per
 * line on stdout); this file holds the manifest shape, the output naming rule
 * and the registry rule.
 */
import { z } from 'zod';
import { resourcesSchema } from './resources.ts';

/**
 * A fully qualified image reference: a registry host (with a dot or a port, so
 * the registry prefix check below is meaningful), a repository path, an optional
 * tag and an optional sha256 digest.
 */
const IMAGE_REFERENCE =
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** Row keys the results file already uses; an output may not take them. */
export const RESERVED_OUTPUT_NAMES: readonly string[] = ['index', 'params', 'error'];

/** Most outputs a custom kernel declares, or a shard of one without `outputs` may aggregate. */
export const MAX_OUTPUTS = 100;

const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const OUTPUT_NAME_RULE = 'an output name is a letter or "_" then letters, digits or "_" (at most 64)';

/** Names that could reach an object's prototype where a metric name becomes a key. */
const PROTOTYPE_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Why `name` cannot name an output (a field of an output line, a metric), or undefined when it can. */
export function outputNameProblem(name: string): string | undefined {
  if (!OUTPUT_NAME.test(name)) return OUTPUT_NAME_RULE;
  if (RESERVED_OUTPUT_NAMES.includes(name)) return `${RESERVED_OUTPUT_NAMES.join(', ')} are reserved`;
  if (PROTOTYPE_NAMES.includes(name)) return `${PROTOTYPE_NAMES.join(', ')} are not allowed`;
  return undefined;
}

const outputName = z.string().superRefine((name, ctx) => {
  const problem = outputNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** `kernel` of a manifest that runs a custom image. */
export const customKernelSchema = z
  .object({
    image: z
      .string()
      .max(1024)
      .regex(IMAGE_REFERENCE, 'a full image reference such as us-central1-docker.pkg.dev/PROJECT/REPO/NAME:TAG (registry host included)'),
    /** Program and arguments, run in the image's working directory; no shell is involved. */
    command: z
      .array(
        z
          .string()
          .max(4096)
          .refine((arg) => !arg.includes('\0'), 'no NUL characters'),
      )
      .min(1, 'give the program to run, e.g. ["python3", "kernel.py"]')
      .max(256)
      .refine((command) => (command[0] ?? 'x').length > 0, 'the program (first element) cannot be empty'),
    /**
     * Names of the numbers every output line carries, in the order the results
     * file lists them. Optional: without it a line may carry any named fields,
     * and the run aggregates `aggregate.metrics`, or else every numeric field
     * the command writes (jobs/examples/README.md, "Without `outputs`").
     */
    outputs: z
      .array(outputName)
      .min(1, 'name at least one output')
      .max(MAX_OUTPUTS)
      .refine((names) => new Set(names).size === names.length, 'output names must be unique')
      .optional(),
    /** What the image needs on every pod, e.g. a GPU; the manifest's top-level `resources` must agree with it. */
    resources: resourcesSchema.optional(),
  })
  .strict();

/** The kernel block of a custom-kernel manifest. */
export type CustomKernel = z.infer<typeof customKernelSchema>;

/** True when a manifest's kernel block names an image rather than a built-in kernel. */
export function isCustomKernel(kernel: object): kernel is CustomKernel {
  return 'image' in kernel;
}

/**
 * Whether `image` comes from the registry prefix `prefix`. A prefix that does not
 * end with "/" only matches at a path, tag or digest boundary, so
 * `…/altus-demo-project` never admits `…/altus-demo-project-evil/…`.
 */
export function imageFromRegistry(image: string, prefix: string): boolean {
  if (!image.startsWith(prefix)) return false;
  return prefix.endsWith('/') || ['/', ':', '@'].includes(image.charAt(prefix.length));
}

/** The allowed registry prefix `image` comes from, or undefined. */
export function allowedRegistryOf(image: string, allowedRegistries: readonly string[]): string | undefined {
  return allowedRegistries.find((prefix) => imageFromRegistry(image, prefix));
}

/** How run documents and listings name a run's kernel: the built-in's name, or the image. */
export function kernelLabel(kernel: { name: string } | CustomKernel): string {
  return isCustomKernel(kernel) ? kernel.image : kernel.name;
}
