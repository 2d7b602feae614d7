/**
 * Range parameter source (`{"range": {"key": "strike", "from": 80, "to": 120, "step": 0.5, "base": {...}}}`):
 * one key stepped from `from` to `to` over a base set, the way a strike ladder or
 * a maturity curve is written. Point i is `from + i·step`, computed from i alone;
 * `to` is included when it lies on the step (within a billionth of one), and is
 * then exact. Several keys at once are a `grid`.
 */
import { z } from 'zod';
import { PermanentError } from '../../shared/errors.ts';
import { LIMITS } from '../../shared/limits.ts';
import { FORBIDDEN_KEYS } from '../planning/decode.ts';
import { ParameterShape } from './shape.ts';
import { finiteNumber, generatedBatches, parameterBaseSchema, type ParameterSource } from './source.ts';

/** How far past a whole number of steps `to` may sit and still count as on the step (float noise in 0.3 / 0.1). */
const ON_STEP = 1e-9;

const rangeBlockSchema = z
  .object({
    key: z
      .string()
      .min(1)
      .max(200)
      .refine((key) => !FORBIDDEN_KEYS.has(key), 'this key is not allowed'),
    from: finiteNumber,
    to: finiteNumber,
    step: finiteNumber.refine((step) => step > 0, 'must be > 0'),
    base: parameterBaseSchema,
  })
  .strict()
  .refine((range) => range.to >= range.from, { message: 'to must be >= from', path: ['to'] });
/** A range source's block. */
export type RangeBlock = z.infer<typeof rangeBlockSchema>;

/** A range ready to index. */
interface Range {
  count: number;
  valueAt(index: number): number;
  shape: ParameterShape;
}

/** The points of a range: their count and point i. */
export function createRange(block: Pick<RangeBlock, 'key' | 'from' | 'to' | 'step' | 'base'>): Range {
  const { from, to, step } = block;
  const steps = Math.floor((to - from) / step + ON_STEP);
  const endsOnTo = Math.abs(from + steps * step - to) <= ON_STEP * step;
  return {
    count: steps + 1,
    valueAt: (index) => (index === steps && endsOnTo ? to : from + index * step),
    shape: new ParameterShape(block.base, [block.key]),
  };
}

/** Parameter set `index` of a range: the base with the key set to point `index`. */
export function rangeParameters(range: Range, index: number): Record<string, unknown> {
  return range.shape.build([range.valueAt(index)]);
}

/** The `range` source. */
export const rangeSource: ParameterSource<RangeBlock> = {
  kind: 'range',
  schema: rangeBlockSchema,
  inspect(block) {
    const range = createRange(block);
    if (!(range.count <= LIMITS.parameters)) {
      throw new PermanentError(
        'PARAMETERS_TOO_MANY',
        `parameters.range: ${block.from} to ${block.to} by ${block.step} makes more than ${LIMITS.parameters} points (the cap); raise step`,
      );
    }
    // Every point shares one shape: the first one stands for all.
    return { count: range.count, samples: [{ where: 'parameters.range', params: rangeParameters(range, 0) }] };
  },
  read(block, { start, end }) {
    const range = createRange(block);
    return generatedBatches(start, end, (i) => rangeParameters(range, i));
  },
};
