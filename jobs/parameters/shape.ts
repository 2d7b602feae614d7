/**
 * Parameter sets built from a base plus generated fields, the grid's and the
 * random source's hot path. Each set is built key by key in one fixed order (the
 * base's keys, then the generated fields the base lacks): the object `{...base}`
 * followed by new keys is ~100 times slower in V8 (a spread clone gets a map with
 * no transition tree, so every added key makes a new map), and it was the worker's
 * largest cost on a Black–Scholes grid. Key order, and so the JSON of each row, is
 * the same as `{...base, ...fields}`.
 */
export class ParameterShape {
  /** Every key, in output order. */
  private readonly keys: readonly string[];
  /** For each key: the index of its generated field, or -1 for a base value. */
  private readonly fieldOf: Int32Array;
  private readonly baseValues: readonly unknown[];

  constructor(base: Record<string, unknown>, fields: readonly string[]) {
    const keys = [...Object.keys(base), ...fields.filter((f) => !Object.hasOwn(base, f))];
    this.keys = keys;
    this.fieldOf = Int32Array.from(keys, (k) => fields.lastIndexOf(k));
    this.baseValues = keys.map((k) => base[k]);
  }

  /** The parameter set with field i set to `values[i]` (a later duplicate field name wins, as in a spread). */
  build(values: readonly unknown[]): Record<string, unknown> {
    const params: Record<string, unknown> = {};
    const { keys, fieldOf, baseValues } = this;
    for (let k = 0; k < keys.length; k++) {
      const f = fieldOf[k]!;
      params[keys[k]!] = f < 0 ? baseValues[k] : values[f];
    }
    return params;
  }
}
