/**
 * The parts of a run's page shown while it goes on: headline and problems,
 * progress overall and per cluster, timings and counts, failed shards and
 * parameter sets, placement and re-dispatches.
 */
import type { FailedParametersAnswer, RunDetail } from '../../../shared/dashboard-api.ts';
import { TERMINAL_STATUSES } from '../../../shared/documents.ts';
import { formatCount, formatSeconds, formatUsd } from '../../../shared/display-format.ts';
import { badge, el, fact, localTime, panel, progressBar, table, type Child } from './dom.ts';

/** The page's parts by name; each is emptied and refilled on every refresh. */
export type RunParts = Record<
  'head' | 'problems' | 'progress' | 'facts' | 'failedShards' | 'failedParameters' | 'aggregates' | 'charts' | 'results' | 'cost' | 'placement',
  HTMLElement
>;

/** A duration, or a dash before there is one. */
const seconds = (value: number | undefined) => (value === undefined ? '—' : formatSeconds(value));

/** Name, status, run id, kernel and size; the run's error, or the last handler error while it goes on. */
export function renderHead(parts: RunParts, d: RunDetail): void {
  const s = d.summary;
  parts.head.replaceChildren(
    el('div', { className: 'headline' }, [el('h1', {}, [s.name]), badge(s.status), el('span', { className: 'muted mono' }, [s.runId])]),
    el('div', { className: 'muted' }, [
      `${s.kernel ? `kernel ${s.kernel} · ` : ''}${formatCount(s.parameters)} parameter sets in ${formatCount(d.progress.total)} shards`,
    ]),
  );
  const problems: HTMLElement[] = [];
  if (s.error) problems.push(panel(null, [el('strong', {}, [s.error.code]), ' ', s.error.message], 'error'));
  if (d.lastError && !TERMINAL_STATUSES.includes(s.status)) {
    problems.push(
      panel(null, [el('strong', {}, ['Last handler error']), ` (${d.lastError.source}, ${localTime(d.lastError.at)}): ${d.lastError.message}`], 'error'),
    );
  }
  parts.problems.replaceChildren(...problems);
}

/** The progress bar and line, the rate while running, and each cluster's share. */
export function renderProgress(parts: RunParts, d: RunDetail, rate: string | undefined): void {
  const p = d.progress;
  const line = `${formatCount(p.done)} / ${formatCount(p.total)} shards done${p.failed ? ` · ${formatCount(p.failed)} failed` : ''}`;
  const rows = p.clusters.map((c): Child[] => [
    el('span', { className: 'mono' }, [c.cluster]),
    c.region ?? '—',
    el('div', { className: 'progress-cell' }, [progressBar(c)]),
    `${formatCount(c.done)} / ${formatCount(c.total)}`,
    formatCount(c.failed),
  ]);
  parts.progress.replaceChildren(
    panel('Progress', [
      el('div', { className: 'progress-cell' }, [progressBar(p, true), el('span', { className: 'mono', id: 'progress-text' }, [line])]),
      rate === undefined ? null : el('div', { className: 'muted small' }, [rate]),
      rows.length
        ? el('div', { className: 'small' }, [el('br'), table(['Cluster', 'Region', 'Progress', 'Shards', 'Failed'], rows, [false, false, false, true, true])])
        : null,
    ]),
  );
}

/** When it was created, started and finished, how long each phase took, and the counts. */
export function renderFacts(parts: RunParts, d: RunDetail): void {
  const t = d.timings;
  const s = d.summary;
  const facts = [
    fact('Created', localTime(t.createdAt)),
    fact('Started', localTime(t.startedAt)),
    fact('Finished', localTime(t.finishedAt)),
    fact('Planning', seconds(t.queuedSeconds)),
    fact(t.finishedAt ? 'Took' : 'Running for', seconds(t.runningSeconds)),
    fact('CPU time', seconds(t.cpuSeconds)),
    fact('Parameter sets', formatCount(s.parameters)),
    fact('Failed parameter sets', formatCount(s.parametersFailed)),
  ];
  if (d.cost) facts.push(fact('Estimated cost', `${formatUsd(d.cost.estimatedUsd)} (${d.cost.savingsPercent.toFixed(1)}% below on-demand)`));
  parts.facts.replaceChildren(panel('Timings and counts', [el('div', { className: 'facts' }, facts)]));
}

/** The first failed shards with cluster, attempt and reason. */
export function renderFailedShards(parts: RunParts, d: RunDetail): void {
  if (!d.failedShards.length) {
    parts.failedShards.replaceChildren();
    return;
  }
  const rows = d.failedShards.map((f): Child[] => [String(f.shard), el('span', { className: 'mono' }, [f.cluster]), String(f.attempt), f.reason]);
  const shown = d.failedShards.length < d.progress.failed ? `first ${d.failedShards.length} of ` : '';
  parts.failedShards.replaceChildren(
    panel(`Failed shards (${shown}${formatCount(d.progress.failed)})`, [table(['Shard', 'Cluster', 'Attempt', 'Reason'], rows, [true, false, true, false])]),
  );
}

/** The first failed parameter sets with their reasons and parameters. */
export function renderFailedParameters(parts: RunParts, answer: FailedParametersAnswer): void {
  if (!answer.rows.length) return;
  const rows = answer.rows.map((r): Child[] => {
    const params = JSON.stringify(r.params ?? null);
    return [String(r.index), String(r.shard), r.error, el('div', { className: 'truncate mono', title: params }, [params])];
  });
  const of =
    answer.total !== undefined && answer.total > answer.rows.length
      ? `first ${answer.rows.length} of ${formatCount(answer.total)}`
      : formatCount(answer.rows.length);
  parts.failedParameters.replaceChildren(
    panel(`Failed parameter sets (${of})`, [table(['Index', 'Shard', 'Reason', 'Parameters'], rows, [true, true, false, false])]),
  );
}

/** Which cluster got which shards, and the re-dispatches since. */
export function renderPlacement(parts: RunParts, d: RunDetail): void {
  const rows = d.placement.map((p): Child[] => [
    el('span', { className: 'mono' }, [p.cluster]),
    p.region,
    p.count ? `${p.offset}–${p.offset + p.count - 1}` : '—',
    String(p.count),
    el('span', { className: 'mono small' }, [p.job]),
  ]);
  const children: Child[] = [
    rows.length
      ? table(['Cluster', 'Region', 'Shards', 'Count', 'Job'], rows, [false, false, false, true, false])
      : el('p', { className: 'muted' }, ['Not placed yet.']),
  ];
  if (d.redispatches.length) {
    const redispatched = d.redispatches.map((r): Child[] => [
      String(r.attempt),
      el('span', { className: 'mono' }, [r.cluster]),
      String(r.shards),
      r.reason,
      localTime(r.at),
    ]);
    children.push(
      el('h2', {}, [el('br'), 'Re-dispatched']),
      table(['Attempt', 'Cluster', 'Shards', 'Reason', 'At'], redispatched, [true, false, true, false, false]),
    );
  }
  parts.placement.replaceChildren(panel('Placement', children));
}
