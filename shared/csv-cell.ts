/**
 * One cell of a CSV export, safe for a spreadsheet and a terminal: RFC 4180
 * quoting, control characters escaped (terminal-text.ts), and a text cell that
 * starts with `=`, `+`, `-`, `@`, tab or carriage return prefixed with `'` and
 * quoted, as OWASP advises against CSV injection, so `=HYPERLINK(...)` from a
 * parameter file is shown as text, not run as a formula. Numbers are written as
 * they are (a negative number is a number, not a formula).
 */
import { terminalText } from './terminal-text.ts';

const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell as CSV text: empty for null and undefined, lists and objects as JSON. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  const raw = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const formula = FORMULA_START.test(raw);
  const text = terminalText(formula ? `'${raw}` : raw, { multiline: true });
  return formula || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record of cells (no line ending). */
export function csvLine(values: readonly unknown[]): string {
  return values.map(csvCell).join(',');
}
