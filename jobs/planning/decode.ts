/**
 * Decoding manifest bytes at the edge: UTF-8 (a BOM is tolerated), JSON, and a
 * nesting-depth cap, each failure a {@link PermanentError} a person can act on.
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
  checkDepth(value, 0);
  return value;
}

function checkDepth(value: unknown, depth: number): void {
  if (depth > LIMITS.jsonDepth) {
    throw new PermanentError('MANIFEST_INVALID', `the manifest nests deeper than ${LIMITS.jsonDepth} levels`);
  }
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) checkDepth(item, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) if (typeof item === 'object' && item !== null) checkDepth(item, depth + 1);
  }
}
