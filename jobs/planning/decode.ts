/**
 * Decoding manifest bytes at the edge: UTF-8 (a BOM is tolerated), JSON, and
 * structural caps (nesting depth, keys per object, no prototype keys), each
 * failure a {@link PermanentError} a person can act on.
 */
import { PermanentError } from '../../shared/errors.ts';
import { LIMITS } from '../../shared/limits.ts';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Bytes of an uploaded or published manifest to a JSON value. */
export function decodeManifestBytes(bytes: Uint8Array): unknown {
  if (bytes.length > LIMITS.manifestBytes) {
    throw new PermanentError('MANIFEST_TOO_LARGE', `the manifest is ${bytes.length} bytes; the cap is ${LIMITS.manifestBytes}. Move the parameter sets into a file source.`);
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (cause) {
    throw new PermanentError('MANIFEST_NOT_JSON', 'the manifest is not valid UTF-8 text; save it as UTF-8 JSON', { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new PermanentError('MANIFEST_NOT_JSON', `the manifest is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  checkStructure(value, 0, '');
  return value;
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

/** The first forbidden key in a parsed JSON value, with its path, if any. */
export function findForbiddenKey(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findForbiddenKey(item, `${path}.${i}`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `${path}.${key}`.slice(1);
      const found = findForbiddenKey(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

function checkStructure(value: unknown, depth: number, path: string): void {
  if (depth > LIMITS.jsonDepth) {
    throw new PermanentError('MANIFEST_INVALID', `the manifest nests deeper than ${LIMITS.jsonDepth} levels`);
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => typeof item === 'object' && item !== null && checkStructure(item, depth + 1, `${path}.${i}`));
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length > LIMITS.objectKeys) {
      throw new PermanentError('MANIFEST_INVALID', `${path.slice(1) || 'the manifest'} has ${entries.length} keys; at most ${LIMITS.objectKeys} are allowed in one object`);
    }
    for (const [key, item] of entries) {
      if (FORBIDDEN_KEYS.has(key)) throw new PermanentError('MANIFEST_INVALID', `${`${path}.${key}`.slice(1)}: the key "${key}" is not allowed`);
      if (typeof item === 'object' && item !== null) checkStructure(item, depth + 1, `${path}.${key}`);
    }
  }
}
