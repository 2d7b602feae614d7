/**
 * The parts of a run's page that come with its end: the aggregates and risk
 * tables, a histogram per metric, where the results are, and the cost.
 */
import type { RunDetail } from '../../../shared/dashboard-api.ts';
import { formatCount, formatNumber, formatPrice, formatQuantity, formatUsd } from '../../../shared/display-format.ts';
import { histogramChart } from './charts.ts';
import { el, fact, panel, table, type Child } from './dom.ts';
import type { Chart } from './screen.ts';

/** A statistic; JSON carries a statistic of no values as null. */
function statistic(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : formatNumber(x);
}

/** One row per metric (count, moments, extremes, quantiles), then each P&L metric's VaR and ES. */
export function renderAggregates(part: HTMLElement, d: RunDetail): void {
  const metrics = Object.entries(d.aggregates);
  if (!metrics.length) return;
  const levels = d.quantileLevels;
  const headers = ['Metric', 'Count', 'Mean', 'Std dev', 'Min', 'Max', ...levels.map((q) => `q${q}`)];
  const rows = metrics.map(([m, a]): Child[] => [
    el('strong', {}, [m]),
    formatCount(a.count),
    statistic(a.mean),
    statistic(a.stddev),
    statistic(a.min),
    statistic(a.max),
    ...levels.map((q) => statistic(a.quantiles[q])),
  ]);
  const panels = [
    panel('Aggregates', [
      table(
        headers,
        rows,
        headers.map((_, i) => i > 0),
      ),
    ]),
  ];
  for (const [m, r] of Object.entries(d.risk ?? {})) {
    const riskRows = Object.keys(r.var).map((c): Child[] => [c, statistic(r.var[c]), statistic(r.es[c])]);
    const title = `Risk of ${m} (${formatCount(r.count)} scenarios; within ${r.relativeAccuracy * 100}% of exact)`;
    panels.push(panel(title, [table(['Confidence', 'VaR', 'Expected shortfall'], riskRows, [true, true, true])]));
  }
  part.replaceChildren(...panels);
}

/** A histogram card per metric, quantiles (and VaR, ES) noted under it; returns the charts drawn. */
export function renderCharts(part: HTMLElement, d: RunDetail): Chart[] {
  const cards = Object.entries(d.aggregates).map(([metric, aggregate]) => {
    const box = el('div', { className: 'chart', 'data-metric': metric });
    const risk = d.risk?.[metric];
    const quantiles = d.quantileLevels.map((q) => `q${q} = ${statistic(aggregate.quantiles[q])}`).join(' · ');
    const notes = [el('div', { className: 'chart-note' }, [el('span', { className: 'q' }, ['- - ']), `quantiles: ${quantiles}`])];
    if (risk) {
      const losses = Object.keys(risk.var)
        .map((c) => `VaR ${c} = ${statistic(risk.var[c])}, ES ${c} = ${statistic(risk.es[c])}`)
        .join(' · ');
      notes.push(el('div', { className: 'chart-note' }, [el('span', { className: 'risk' }, ['- - ']), `losses (marked at −VaR, −ES): ${losses}`]));
    }
    const card = el('section', { className: 'panel' }, [el('h2', { className: 'metric' }, [`Distribution of ${metric}`]), box, ...notes]);
    return { card, draw: () => histogramChart(box, metric, aggregate, risk) };
  });
  part.replaceChildren(
    el(
      'div',
      { className: 'grid' },
      cards.map((c) => c.card),
    ),
  );
  // Drawn once the cards are in the page, so each chart takes its box's width.
  return cards.flatMap((c) => c.draw() ?? []);
}

/** Where the results are: downloads on this machine, the Cloud Console and copy command in the cloud, the SQL to query them. */
export function renderResults(part: HTMLElement, d: RunDetail): void {
  const r = d.results;
  if (!r) {
    part.replaceChildren();
    return;
  }
  const runId = d.summary.runId;
  const children: Child[] = [
    el('div', {}, [r.format === 'parquet' ? 'Results (Parquet dataset, one part per shard): ' : 'Results file: ', el('code', {}, [r.uri])]),
  ];
  if (r.downloadPath)
    children.push(el('p', {}, [el('a', { href: r.downloadPath, download: `${runId}-results.ndjson`, id: 'results-download' }, ['Download results (NDJSON)'])]));
  if (r.parts?.length) {
    const links = r.parts.map((p, i) => el('a', { href: p.downloadPath, download: `${runId}-${p.name}`, id: i === 0 ? 'results-download' : null }, [p.name]));
    const more = r.partCount !== undefined && r.partCount > r.parts.length ? [` and ${r.partCount - r.parts.length} more in the folder`] : [];
    children.push(el('p', {}, ['Download: ', ...links.flatMap((a, i) => (i ? [' · ', a] : [a])), ...more]));
  }
  if (r.consoleUrl) {
    children.push(el('p', {}, [el('a', { href: r.consoleUrl, target: '_blank', rel: 'noopener' }, ['Open in the Cloud Console'])]));
    if (r.copyCommand) children.push(el('div', { className: 'small muted' }, ['or: ', el('code', {}, [r.copyCommand])]));
  }
  if (r.sqlCommand) children.push(el('div', {}, ['SQL: ', el('code', { id: 'results-sql' }, [r.sqlCommand])]));
  if (r.bigQuery) children.push(el('div', { className: 'small muted' }, ['BigQuery: ', el('code', { id: 'results-bq' }, [r.bigQuery])]));
  part.replaceChildren(panel('Results', children));
}

/** The estimate, its on-demand equivalent and savings, and each pool with the prices it was billed at. */
export function renderCost(part: HTMLElement, d: RunDetail): void {
  const c = d.cost;
  if (!c) {
    part.replaceChildren();
    return;
  }
  const rows = c.byPool.map((p): Child[] => [
    el('span', { className: 'mono' }, [p.cluster]),
    p.gpuPool ? `${p.gpuPool} (${p.acceleratorType ?? '?'})` : 'batch',
    `${p.machineType} · ${p.spot ? 'Spot' : 'on-demand'}`,
    formatCount(p.shards),
    formatQuantity(p.vcpuSeconds),
    formatQuantity(p.gpuSeconds),
    `${formatPrice(p.prices.perVcpuHour)}/vCPU-h${p.prices.perGpuHour !== undefined ? ` · ${formatPrice(p.prices.perGpuHour)}/GPU-h` : ''}`,
    formatUsd(p.estimatedUsd),
    formatUsd(p.onDemandEquivalentUsd),
  ]);
  const unpriced = c.shardsUnpriced ? `; ${formatCount(c.shardsUnpriced)} shards ran on clusters no longer configured and are not priced` : '';
  part.replaceChildren(
    panel('Cost', [
      el('div', { className: 'facts' }, [
        fact('Estimated', formatUsd(c.estimatedUsd)),
        fact('On-demand equivalent', formatUsd(c.onDemandEquivalentUsd)),
        fact('Savings', `${c.savingsPercent.toFixed(1)}%`),
        fact('vCPU seconds', formatQuantity(c.vcpuSeconds)),
        fact('GPU seconds', formatQuantity(c.gpuSeconds)),
      ]),
      el('div', { className: 'small', id: 'cost-pools' }, [
        el('br'),
        table(['Cluster', 'Pool', 'Machines', 'Shards', 'vCPU-s', 'GPU-s', 'Prices', 'Estimated', 'On-demand'], rows, [
          false,
          false,
          false,
          true,
          true,
          true,
          false,
          true,
          true,
        ]),
      ]),
      el('p', { className: 'small muted' }, [
        `Requested vCPUs and GPUs × worker wall time per recorded shard, at the fleet configuration's prices${unpriced}. Not included: hub, system pools, idle nodes, functions, Pub/Sub, Firestore, storage.`,
      ]),
    ]),
  );
}
