/**
 * The columns of a run's Parquet results, fixed when the run is planned so they
 * never depend on the shard size, the split or the retries: `index` (INT64), one
 * column per parameter key known at planning (numbers DOUBLE, text STRING, flags
 * BOOLEAN), one DOUBLE column per output the kernel declares, `error` (STRING) and
 * `extra`, one JSON text column for anything else (a custom kernel's undeclared
 * fields under their names, parameter keys or values that fit no column under
 * `params`). A value that does not fit its column's type goes to `extra` too, so
 * nothing is lost and a row's place never depends on another row.
 */
import { z } from 'zod';
import type { ParameterColumnType, ResultsSchema } from '../../shared/run-plan.ts';
import type { Kernel } from '../kernels/kernel.ts';

/** Columns every run has, before and after the parameter and output columns. */
export const FIXED_COLUMNS = { index: 'index', error: 'error', extra: 'extra' } as const;

/** A table's parameter columns at most (wider inline sets keep the rest in `extra`). */
export const MAX_PARAMETER_COLUMNS = 256;

/** The names a parameter or output column may not take (case-insensitively: DuckDB and BigQuery fold case); `run_id` is the dataset's Hive partition. */
const RESERVED = ['index', 'error', 'extra', 'run_id'];

/**
 * Plans the schema from sample parameter sets (those the planner can see: the
 * inline list, the first point of a grid or draw of a random source, the first
 * record of a file), the built-in kernel's parameter keys (defaults it fills in)
 * and the declared outputs. Key order: as first seen in the samples, then the
 * kernel's keys not seen.
 */
export function planResultsSchema(input: { samples: Iterable<Record<string, unknown>>; kernel: Kernel | null; outputs: readonly string[] }): ResultsSchema {
  const types = new Map<string, ParameterColumnType>();
  const consider = (key: string, type: ParameterColumnType | undefined) => {
    if (type && !types.has(key) && types.size < MAX_PARAMETER_COLUMNS) types.set(key, type);
  };
  for (const sample of input.samples) for (const [key, value] of Object.entries(sample)) consider(key, valueType(value));
  for (const [key, type] of kernelParameterTypes(input.kernel)) consider(key, type);

  const taken = new Set(RESERVED);
  const outputs = input.outputs.map((key) => ({ key, column: freeName(key, 'output_', taken) }));
  const params = [...types].map(([key, type]) => ({ key, column: freeName(key, 'param_', taken), type }));
  return { params, outputs };
}

/** The column type a parameter value fits, if any (objects, lists and null fit none). */
export function valueType(value: unknown): ParameterColumnType | undefined {
  if (typeof value === 'number') return 'DOUBLE';
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'boolean') return 'BOOLEAN';
  return undefined;
}

/** `name` if free (case-insensitively), else `prefix + name`, else with a number; the name is then taken. */
function freeName(name: string, prefix: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = n === 2 ? prefix + name : `${prefix}${name}_${n - 1}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

/** The keys of a built-in kernel's parameter object and the column type of each (text for enums and strings). */
function kernelParameterTypes(kernel: Kernel | null): [string, ParameterColumnType][] {
  const schema = kernel?.parametersSchema;
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => [key, fieldType(field)]);
}

function fieldType(field: z.ZodType): ParameterColumnType {
  let inner: z.ZodType = field;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
  if (inner instanceof z.ZodEnum || inner instanceof z.ZodString) return 'STRING';
  if (inner instanceof z.ZodBoolean) return 'BOOLEAN';
  return 'DOUBLE';
}
