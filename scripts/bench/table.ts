/** A plain aligned text table: figure, value, target verdict, how it was measured. */
export type Row = [figure: string, value: string, target: string, note: string];

export function renderTable(rows: readonly Row[]): string {
  const header: Row = ['figure', 'value', 'target', 'how'];
  const all = [header, ...rows];
  const widths = [0, 1, 2].map((c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: Row) => [r[0].padEnd(widths[0]!), r[1].padStart(widths[1]!), r[2].padEnd(widths[2]!), r[3]].join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  ') + '  ' + '-'.repeat(3), ...rows.map(line)].join('\n');
}
