/**
 * Reading a contract object (a run plan, a shard partial) from bytes another
 * part of the system wrote: UTF-8, JSON, then the contract's strict schema, so
 * a truncated, foreign or older-than-supported object fails here, at the edge,
 * with the object's name and its first problem, never as a wrong value later.
 */
import type { z } from 'zod';
import { describeIssues } from './manifest.ts';

/** A stored contract object is not what its schema says; `subject` names it (with its URI when known). */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  constructor(
    readonly subject: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${subject} is not valid: ${problem}`, options);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes (or text) of `subject` decoded through `schema`; throws {@link ContractError} naming the first problem. */
export function readContract<S extends z.ZodType>(schema: S, bytes: Uint8Array | string, subject: string): z.output<S> {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : utf8.decode(bytes);
  } catch (cause) {
    throw new ContractError(subject, 'not UTF-8 text', { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ContractError(subject, `not JSON (${(cause as Error).message})`, { cause });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ContractError(subject, describeIssues(parsed.error.issues.slice(0, 1)), { cause: parsed.error });
  return parsed.data;
}
