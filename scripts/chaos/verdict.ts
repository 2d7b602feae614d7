/**
 * Judging a scenario: the run against the fault-free run of the same manifest
 * (identical results file and aggregates, no shard lost, no parameter set
 * counted twice), and the fault itself — a row is clean only when the fault
 * was observed to happen (crash points fired, kills landed, messages doubled,
 * poison parked) and was survived.
 */
import { readFileSync } from 'node:fs';
import type { RunDocument } from '../../shared/documents.ts';

/** What the suite saw of the fault it injected. */
export interface FaultEvidence {
  /** True only when the fault was seen to happen, as the scenario requires. */
  faultObserved: boolean;
  /** What was seen (counts, fired points, parked reasons), or what was missing. */
  evidence: string;
}

/** One row of the chaos table. */
export interface ChaosRow extends FaultEvidence {
  scenario: string;
  runs: number;
  identical: boolean;
  shardsLost: number;
  shardsDoubleCounted: number;
  seconds: number;
}

/** Lost and double-counted shards of `run`, and whether it reproduces `baseline` byte for byte. */
export function judge(run: RunDocument, baseline: RunDocument): { identical: boolean; shardsLost: number; shardsDoubleCounted: number } {
  const text = run.results?.path ? readFileSync(run.results.path, 'utf8') : '';
  const expected = baseline.results?.path ? readFileSync(baseline.results.path, 'utf8') : '';
  const indexes = text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { index: number }).index);
  const unique = new Set(indexes);
  const perShard = Math.max(1, Math.ceil(baseline.counts.parameters / baseline.counts.shards));
  const lostParameters = baseline.counts.parameters - unique.size;
  const countedTwice =
    indexes.length -
    unique.size +
    Math.max(0, (Object.values(run.aggregates ?? {})[0]?.count ?? 0) - (Object.values(baseline.aggregates ?? {})[0]?.count ?? 0));
  return {
    identical: run.status === baseline.status && text === expected && JSON.stringify(run.aggregates) === JSON.stringify(baseline.aggregates),
    shardsLost: Math.ceil(Math.max(0, lostParameters) / perShard),
    shardsDoubleCounted: Math.ceil(countedTwice / perShard),
  };
}

/** The judgements of several runs of one scenario, as one (every run must be clean). */
export function judgeAll(
  runs: readonly RunDocument[],
  baseline: RunDocument,
): { runs: number; identical: boolean; shardsLost: number; shardsDoubleCounted: number } {
  const verdicts = runs.map((r) => judge(r, baseline));
  return {
    runs: runs.length,
    identical: runs.length > 0 && verdicts.every((v) => v.identical),
    shardsLost: verdicts.reduce((n, v) => n + v.shardsLost, 0),
    shardsDoubleCounted: verdicts.reduce((n, v) => n + v.shardsDoubleCounted, 0),
  };
}

/** A row is clean when its fault really happened and the runs reproduced the baseline with nothing lost or doubled. */
export function clean(row: ChaosRow): boolean {
  return row.faultObserved && row.identical && row.shardsLost === 0 && row.shardsDoubleCounted === 0;
}

/** The table as text. */
export function renderTable(rows: readonly ChaosRow[]): string {
  const header = ['scenario', 'runs', 'identical', 'shards lost', 'double-counted', 'time (s)', 'fault seen', 'fault evidence'];
  const cells = rows.map((r) => [
    r.scenario,
    String(r.runs),
    r.identical ? 'yes' : 'NO',
    String(r.shardsLost),
    String(r.shardsDoubleCounted),
    r.seconds.toFixed(1),
    r.faultObserved ? 'yes' : 'NO',
    r.evidence,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
