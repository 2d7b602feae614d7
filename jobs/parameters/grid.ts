/**
 * Grid parameter source (`{"grid": {"base": {...}, "axes": {...}}}`): the
 * cartesian product of the axes, in the order written, the last axis varying
 * fastest. Parameter set i is computed from i alone.
 */
import { z } from 'zod';
import { PermanentError } from '../../shared/errors.ts';
import { LIMITS } from '../../shared/limits.ts';
import { ParameterShape } from './shape.ts';
import { finiteNumber, generatedBatches, parameterBaseSchema, type ParameterSource } from './source.ts';

type Value = number | string | boolean;

const parameterValue = z.union([z.number(), z.string(), z.boolean()]);
const rangeAxis = z
  .object({ from: finiteNumber, to: finiteNumber, steps: z.number().int().min(1).max(LIMITS.parameters) })
  .strict()
  .refine((axis) => axis.steps > 1 || axis.from === axis.to, 'an axis with steps 1 needs from == to');

/** A grid axis: explicit values, or `steps` evenly spaced points including both ends. */
export const gridAxisSchema = z.union([z.array(parameterValue).min(1).max(LIMITS.parameters), rangeAxis]);
/** One grid axis. */
export type GridAxis = z.infer<typeof gridAxisSchema>;

const gridBlockSchema = z.object({ base: parameterBaseSchema, axes: z.record(z.string(), gridAxisSchema) }).strict();
/** A grid source's block. */
export type GridBlock = z.infer<typeof gridBlockSchema>;

/** The `grid` source. */
export const gridSource: ParameterSource<GridBlock> = {
  kind: 'grid',
  schema: gridBlockSchema,
  inspect(block) {
    if (Object.keys(block.axes).length === 0) throw new PermanentError('PARAMETERS_EMPTY', 'parameters.grid.axes is empty; give at least one axis');
    const grid = createGrid(block.base, block.axes);
    // Every point shares one shape: the first one stands for all.
    return { count: grid.count, samples: [{ where: 'parameters.grid', params: gridParameters(grid, 0) }] };
  },
  read(block, { start, end }) {
    const grid = createGrid(block.base, block.axes);
    return generatedBatches(start, end, (i) => gridParameters(grid, i));
  },
};

/** A grid ready to index: axis names and their point lists. */
export interface Grid {
  readonly base: Record<string, unknown>;
  readonly names: readonly string[];
  readonly sizes: readonly number[];
  readonly count: number;
  pointOf(axis: number, j: number): Value;
  /** Builds the sets (base keys, then axes) without a per-set spread. */
  readonly shape: ParameterShape;
  /** Scratch for one set's axis values. */
  readonly values: Value[];
}

/** Number of points on an axis. */
export function axisSize(axis: GridAxis): number {
  return Array.isArray(axis) ? axis.length : axis.steps;
}

/** Builds a grid; `count` is exact up to 2^53 (callers cap it far below). */
export function createGrid(base: Record<string, unknown>, axes: Record<string, GridAxis>): Grid {
  const names = Object.keys(axes);
  const list = names.map((n) => axes[n]!);
  const sizes = list.map(axisSize);
  const count = sizes.reduce((a, b) => a * b, 1);
  return {
    base,
    names,
    sizes,
    count,
    shape: new ParameterShape(base, names),
    values: new Array<Value>(names.length),
    pointOf(axis, j) {
      const a = list[axis]!;
      if (Array.isArray(a)) return a[j]!;
      if (a.steps === 1 || j === 0) return a.from;
      // Both ends exact; interior points by one multiply-add from `from`.
      if (j === a.steps - 1) return a.to;
      return a.from + ((a.to - a.from) * j) / (a.steps - 1);
    },
  };
}

/** Parameter set `index` of the grid: the base with each axis's point applied. */
export function gridParameters(grid: Grid, index: number): Record<string, unknown> {
  const { values } = grid;
  let rest = index;
  for (let axis = grid.names.length - 1; axis >= 0; axis--) {
    const size = grid.sizes[axis]!;
    const j = rest % size;
    rest = (rest - j) / size;
    values[axis] = grid.pointOf(axis, j);
  }
  return grid.shape.build(values);
}
