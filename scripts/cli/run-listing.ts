/** Text forms for `altus runs` (the runs table) and `altus logs` (one worker log line). */
import type { RunSummary } from '../../shared/run-progress.ts';
import { formatCount, formatSeconds } from '../../shared/display-format.ts';
import { terminalText } from '../../shared/terminal-text.ts';

/** The runs as an aligned table, newest first. */
export function renderRunsTable(runs: readonly RunSummary[]): string {
  if (!runs.length) return 'no runs yet (start one with `altus submit <manifest>`)';
  const header = ['RUN', 'NAME', 'STATUS', 'SHARDS', 'FAILED', 'PARAMETERS', 'STARTED', 'DURATION'];
  const rows = runs.map((r) => [
    r.runId,
    terminalText(r.name),
    r.status,
    r.progress.total ? `${r.progress.done}/${r.progress.total}` : '-',
    r.progress.total ? String(r.progress.failed) : '-',
    r.parameters ? formatCount(r.parameters) : '-',
    localTime(r.startedAt ?? r.createdAt),
    r.startedAt ? formatSeconds(r.durationSeconds) : '-',
  ]);
  const right = new Set([3, 4, 5, 7]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "2026-11-23 16:01:22" in local time. */
function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * A pod log line as `altus logs` prints it: formatted, or as written with
 * `--json`; escaped either way, since a kernel's stderr is in it (a JSON line
 * stays valid JSON).
 */
export function printableLogLine(line: string, json: boolean): string {
  return terminalText(json ? line : formatLogLine(line));
}

/** A worker's JSON log line as "16:01:22.123 INFO  message key=value …"; anything else as it is. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.message !== 'string') return line;
  const { severity, message, time, 'logging.googleapis.com/labels': _labels, ...fields } = entry;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [clock, String(severity ?? '').padEnd(7), message, ...extra].filter(Boolean).join(' ');
}
