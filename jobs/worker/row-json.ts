/**
 * The JSON of a result row, byte for byte what `JSON.stringify(row)` gives, built
 * faster for the worker's hot loop: formatting a double is the dearest part of a
 * row, and the parameter values of a grid or a sweep repeat (a 1,000 × 100 × 10
 * grid has 1,110 distinct values for 10,000,000 rows), so their text is cached.
 * Kernel outputs rarely repeat and are formatted directly.
 */

/** Most cached value strings per writer (a bound on memory; past it, values are formatted each time). */
const CACHE_LIMIT = 1 << 16;

export class RowJson {
  private readonly valueText = new Map<unknown, string>();
  private readonly keyText = new Map<string, string>();

  /** `JSON.stringify(row)` for a row `{ index, params, ...outputs }` of plain JSON data. */
  row(row: Record<string, unknown>): string {
    let out = '{';
    let first = true;
    for (const key in row) {
      if (!Object.hasOwn(row, key)) continue;
      const value = row[key];
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
      out += (first ? '' : ',') + this.key(key) + ':' + (key === 'params' ? this.params(value) : format(value));
      first = false;
    }
    return out + '}';
  }

  /**
   * The row of a computed parameter set, `JSON.stringify({ index, params, ...outputs })`
   * with the outputs in `names` order (all finite numbers), without building the row.
   */
  result(index: number, params: Record<string, unknown>, outputs: Record<string, unknown>, names: readonly string[]): string {
    let out = '{"index":' + format(index) + ',"params":' + this.params(params);
    for (const name of names) out += ',' + this.key(name) + ':' + format(outputs[name]);
    return out + '}';
  }

  private params(value: unknown): string {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return format(value);
    let out = '{';
    let first = true;
    const params = value as Record<string, unknown>;
    for (const key in params) {
      if (!Object.hasOwn(params, key)) continue;
      const v = params[key];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      out += (first ? '' : ',') + this.key(key) + ':' + this.cached(v);
      first = false;
    }
    return out + '}';
  }

  private cached(value: unknown): string {
    if (typeof value !== 'number' && typeof value !== 'string') return format(value);
    let text = this.valueText.get(value);
    if (text === undefined) {
      text = format(value);
      if (this.valueText.size < CACHE_LIMIT) this.valueText.set(value, text);
    }
    return text;
  }

  private key(key: string): string {
    let text = this.keyText.get(key);
    if (text === undefined) {
      text = JSON.stringify(key);
      if (this.keyText.size < CACHE_LIMIT) this.keyText.set(key, text);
    }
    return text;
  }
}

/** One value as JSON.stringify writes it inside an object (numbers directly; anything else through JSON.stringify). */
function format(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return JSON.stringify(value);
}
