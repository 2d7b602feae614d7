/**
 * Decoding manifest bytes at the edge: UTF-8 (a BOM is tolerated), then one scan
 * that checks the structural caps (nesting depth, keys per object, no prototype
 * keys, no key given twice, no number overflowing a double) before JSON.parse
 * builds the value; each failure a {@link PermanentError} a person can act on,
 * naming the place but never quoting the content it could not parse.
 */
import { PermanentError } from '../../shared/errors.ts';
import { problemText, scanJson, type JsonScan } from '../../shared/json-scan.ts';
import { LIMITS } from '../../shared/limits.ts';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Bytes of an uploaded or published manifest to a JSON value. */
export function decodeManifestBytes(bytes: Uint8Array): unknown {
  if (bytes.length > LIMITS.manifestBytes) {
    throw new PermanentError(
      'MANIFEST_TOO_LARGE',
      `the manifest is ${bytes.length} bytes; the cap is ${LIMITS.manifestBytes}. Move the parameter sets into a file source.`,
    );
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (cause) {
    throw new PermanentError('MANIFEST_NOT_JSON', 'the manifest is not valid UTF-8 text; save it as UTF-8 JSON', { cause });
  }
  return parseCheckedJson(text, scanJson(text, MANIFEST_SCAN_LIMITS), 'the manifest');
}

/** The structural caps of a manifest, for {@link scanJson}. */
export const MANIFEST_SCAN_LIMITS = { maxDepth: LIMITS.jsonDepth, maxKeys: LIMITS.objectKeys } as const;

/**
 * The value of JSON `text` already scanned: the scan's first problem as a
 * {@link PermanentError} (MANIFEST_NOT_JSON for syntax, MANIFEST_INVALID for the
 * rest), else what JSON.parse builds. `subject` leads a syntax message ("the manifest").
 */
export function parseCheckedJson(text: string, scan: JsonScan, subject: string): unknown {
  if (scan.problem) throw manifestProblem(scan, subject);
  try {
    return JSON.parse(text);
  } catch (cause) {
    // The scan accepts what JSON.parse accepts; this is a safety net that still quotes nothing.
    throw new PermanentError('MANIFEST_NOT_JSON', `${subject} is not valid JSON`, { cause });
  }
}

/** The scan's problem as the error a run is rejected with. */
export function manifestProblem(scan: JsonScan, subject: string): PermanentError {
  const problem = scan.problem!;
  return problem.kind === 'syntax'
    ? new PermanentError('MANIFEST_NOT_JSON', `${subject} is not valid JSON: ${problemText(problem)}`)
    : new PermanentError('MANIFEST_INVALID', problemText(problem));
}

/**
 * An already-parsed manifest (inline in a run request) gets the same structural
 * limits as uploaded bytes: nesting depth, keys per object, no prototype keys.
 */
export function checkManifestValue(value: unknown): unknown {
  checkStructure(value, 0, '');
  return value;
}

/** Keys that could reach an object's prototype if anything downstream merged objects naively. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What makes a parsed parameter set unusable, as a message naming the place: a
 * forbidden key, a number that overflowed to Infinity (JSON.parse reads `1e400`
 * so; a results row would print it as `null`), nesting deeper than the cap.
 * Iterative: a 64 KiB line can nest 30,000 deep. `visits` counts the values
 * looked at (each once: the fuzz tests hold it to the line's size).
 */
export function parameterSetProblem(value: unknown, visits: { nodes: number } = { nodes: 0 }): string | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    visits.nodes++;
    const { value: item, path, depth } = next;
    if (typeof item === 'number' && !Number.isFinite(item)) return `${path.slice(1) || 'the value'}: not finite (overflows a double)`;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > LIMITS.jsonDepth) return `${path.slice(1) || 'the value'}: nests deeper than ${LIMITS.jsonDepth} levels`;
    const entries = Array.isArray(item) ? item.map((v, i) => [String(i), v] as const) : Object.entries(item);
    for (let k = entries.length - 1; k >= 0; k--) {
      const [key, child] = entries[k]!;
      if (!Array.isArray(item) && FORBIDDEN_KEYS.has(key)) return `${`${path}.${key}`.slice(1)}: the key "${key}" is not allowed`;
      pending.push({ value: child, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return undefined;
}

function checkStructure(value: unknown, depth: number, path: string): void {
  if (depth > LIMITS.jsonDepth) {
    throw new PermanentError('MANIFEST_INVALID', `the manifest nests deeper than ${LIMITS.jsonDepth} levels`);
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === 'object' && item !== null) checkStructure(item, depth + 1, `${path}.${i}`);
    });
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length > LIMITS.objectKeys) {
      throw new PermanentError(
        'MANIFEST_INVALID',
        `${path.slice(1) || 'the manifest'} has ${entries.length} keys; at most ${LIMITS.objectKeys} are allowed in one object`,
      );
    }
    for (const [key, item] of entries) {
      if (FORBIDDEN_KEYS.has(key)) throw new PermanentError('MANIFEST_INVALID', `${`${path}.${key}`.slice(1)}: the key "${key}" is not allowed`);
      if (typeof item === 'object' && item !== null) checkStructure(item, depth + 1, `${path}.${key}`);
    }
  }
}
