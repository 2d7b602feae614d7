/**
 * The rows a run's results hold, as the CLI and the dashboard read them back:
 * an NDJSON results line, and the `extra` JSON column of a Parquet part (what
 * fits no column: a custom kernel's undeclared outputs, unexpected parameter
 * keys). Read through {@link readContract}, so a line another tool mangled fails
 * with its place and first problem rather than as a wrong value in a table.
 */
import { z } from 'zod';
import { readContract } from './contract.ts';

const record = z.record(z.string(), z.unknown());

/** One NDJSON results line: its index, its parameters (null when they were unreadable), an error or its outputs. */
export const resultRowSchema = z
  .object({
    index: z.number().int().nonnegative(),
    params: record.nullable(),
    error: z.string().optional(),
  })
  .catchall(z.unknown());

/** A results row. */
export type ResultRow = z.infer<typeof resultRowSchema>;

/** The `extra` column of a Parquet part. */
export const extraColumnSchema = z.strictObject({ params: record.optional(), outputs: record.optional() });

/** What the `extra` column holds. */
export type ExtraColumn = z.infer<typeof extraColumnSchema>;

/** One NDJSON results line; `where` names it in an error (`results.ndjson line 12`). */
export function readResultRow(line: string, where: string): ResultRow {
  return readContract(resultRowSchema, line, where);
}

/** A Parquet row's `extra` value: absent, parsed already (hyparquet reads the JSON logical type), or JSON text. */
export function readExtraColumn(value: unknown, where: string): ExtraColumn {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') return readContract(extraColumnSchema, value, where);
  return readContract(extraColumnSchema, JSON.stringify(value), where);
}
