/**
 * Inline parameter source (`{"inline": [{...}, {...}]}`): the sets written in
 * the manifest itself, for runs small enough to fit in one (larger ones belong
 * in a file).
 */
import { z } from 'zod';
import { PermanentError } from '../../shared/errors.ts';
import { LIMITS } from '../../shared/limits.ts';
import { generatedBatches, type ParameterSource } from './source.ts';

/**
 * A set is any JSON object (the kernel's schema judges its keys). Checked without
 * copying: a worker decodes the block once per plan, and a record schema would
 * clone up to 100,000 sets to do so (~300 ms against ~40 ms).
 */
const parameterSet = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'expected a parameter set (a JSON object)',
);
const inlineBlockSchema = z.array(parameterSet).max(LIMITS.inlineParameters);
/** An inline source's block. */
export type InlineBlock = z.infer<typeof inlineBlockSchema>;

/** The `inline` source. */
export const inlineSource: ParameterSource<InlineBlock> = {
  kind: 'inline',
  schema: inlineBlockSchema,
  inspect(block) {
    if (block.length === 0) throw new PermanentError('PARAMETERS_EMPTY', 'parameters.inline is empty; give at least one parameter set');
    // Each set is written by hand and may differ: every one is checked, and every one plans columns.
    return { count: block.length, samples: block.map((params, i) => ({ where: `parameters.inline.${i}`, params })) };
  },
  read(block, { start, end }) {
    return generatedBatches(start, end, (i) => block[i]!);
  },
};
