/**
 * One CSV record per line (RFC 4180 quoting, no newlines inside quoted fields:
 * the indexer refuses a file with one, naming its line, file-index.ts):
 * the header names the parameter keys; numeric-looking fields become numbers,
 * empty fields are left out so kernel defaults apply.
 */

/** Splits one CSV line into fields; throws on an unterminated quote. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i < line.length && line[i] !== ',') throw new Error(`unexpected character after a quoted field at column ${i + 1}`);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(comma < 0 ? line.slice(i) : line.slice(i, comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // skip the comma
    if (i === line.length) {
      fields.push('');
      return fields;
    }
  }
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A parameter set from a CSV record under `header`. */
export function csvRecord(header: readonly string[], fields: readonly string[]): Record<string, unknown> {
  if (fields.length !== header.length) throw new Error(`expected ${header.length} fields, found ${fields.length}`);
  const params: Record<string, unknown> = {};
  header.forEach((key, i) => {
    const raw = fields[i]!.trim();
    if (raw === '') return;
    if (!NUMBER.test(raw)) params[key] = raw;
    else if (Number.isFinite(Number(raw))) params[key] = Number(raw);
    else throw new Error(`${key}: not finite (overflows a double)`);
  });
  return params;
}

/** Parses and checks a CSV header line. */
export function parseCsvHeader(line: string): string[] {
  const header = splitCsvLine(line).map((h) => h.trim());
  if (header.some((h) => h === '')) throw new Error('the CSV header has an empty column name');
  const forbidden = header.find((h) => h === '__proto__' || h === 'constructor' || h === 'prototype');
  if (forbidden) throw new Error(`the CSV header column "${forbidden}" is not allowed`);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new Error(`the CSV header repeats the column "${dup}"`);
  return header;
}
