/**
 * Reading synthesized Terraform JSON (`cdk.tf.json`): resources by type, nested
 * blocks (cdktf writes a single block as an object, Terraform accepts a
 * one-element list too) and `${type.name.attr}` references.
 */

/** One resource's arguments. */
export type ResourceBody = Record<string, unknown>;

/** The part of a synthesized stack the policy reads. */
export interface SynthesizedStack {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, ResourceBody>>>>;
  /** Data sources, by type then name. */
  readonly data?: Readonly<Record<string, Readonly<Record<string, ResourceBody>>>>;
}

/** A resource with its address. */
export interface SynthesizedResource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, as references spell it. */
  readonly address: string;
  readonly body: ResourceBody;
}

/** Parses a synthesized stack given as JSON text or as an object. */
export function parseSynthesized(stack: string | SynthesizedStack): SynthesizedStack {
  return typeof stack === 'string' ? (JSON.parse(stack) as SynthesizedStack) : stack;
}

/** Every resource whose type satisfies `match` (a type name or a predicate). */
export function resourcesOf(stack: SynthesizedStack, match: string | ((type: string) => boolean)): SynthesizedResource[] {
  const accepts = typeof match === 'string' ? (type: string) => type === match : match;
  return Object.entries(stack.resource ?? {})
    .filter(([type]) => accepts(type))
    .flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) => ({ type, name, address: `${type}.${name}`, body })));
}

/** A nested block: the object itself, or the first element of a block list. */
export function block(value: unknown): ResourceBody | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first !== null && typeof first === 'object' ? (first as ResourceBody) : undefined;
}

/** Follows a path of nested blocks and returns the value at its end. */
export function at(body: ResourceBody | undefined, ...path: string[]): unknown {
  let current: unknown = body;
  for (const key of path) {
    const b = block(current);
    if (!b) return undefined;
    current = b[key];
  }
  return current;
}

/** Every block of a repeated block (a list, or a single object). */
export function blocks(value: unknown): ResourceBody[] {
  if (Array.isArray(value)) return value.filter((v): v is ResourceBody => v !== null && typeof v === 'object');
  return value !== null && typeof value === 'object' ? [value as ResourceBody] : [];
}

const REFERENCE = /\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.|\[|\})/g;

/** Addresses (`type.name`) of the resources a value refers to. */
export function referencesIn(value: unknown): string[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return [...text.matchAll(REFERENCE)].map((m) => `${m[1]}.${m[2]}`);
}

/** True when `value` is the boolean true (or its string form, as Terraform accepts). */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
