/** Human-readable run summaries for the terminal. */
import type { RunCost } from '../../shared/cost.ts';
import { formatNumber, formatPrice, formatQuantity, formatUsd } from '../../shared/display-format.ts';
import type { RunDocument } from '../../shared/documents.ts';
import { terminalText } from '../../shared/terminal-text.ts';

/** A run as a few lines of text: status, counts, aggregates table, results location. */
export function renderRun(run: RunDocument): string {
  const lines: string[] = [];
  const seconds = run.finishedAt && run.createdAt ? (Date.parse(run.finishedAt) - Date.parse(run.createdAt)) / 1000 : undefined;
  lines.push(`run ${run.runId} (${run.name}): ${run.status}${seconds !== undefined ? ` in ${seconds.toFixed(1)} s` : ''}`);
  if (run.error) lines.push(`error ${run.error.code}: ${run.error.message}`);
  const c = run.counts;
  if (c.shards > 0) {
    lines.push(`parameters ${c.parameters} (failed ${c.parametersFailed}) · shards ${c.shards} (succeeded ${c.shardsSucceeded}, failed ${c.shardsFailed})`);
  }
  if (run.aggregates && Object.keys(run.aggregates).length) {
    const levels = Object.keys(Object.values(run.aggregates)[0]!.quantiles);
    const header = ['metric', 'count', 'mean', 'stddev', 'min', 'max', ...levels.map((q) => `q${q}`)];
    const rows = Object.entries(run.aggregates).map(([metric, a]) => [
      metric,
      String(a.count),
      formatNumber(a.mean),
      formatNumber(a.stddev),
      formatNumber(a.min),
      formatNumber(a.max),
      ...levels.map((q) => formatNumber(a.quantiles[q]!)),
    ]);
    lines.push('', ...table(header, rows), '');
  }
  for (const [metric, risk] of Object.entries(run.risk ?? {})) {
    // Levels as written, like the quantile columns; VaR and ES as positive losses.
    const levels = Object.keys(risk.var);
    const rows = [
      ['VaR', ...levels.map((c) => formatNumber(risk.var[c]!))],
      ['ES', ...levels.map((c) => formatNumber(risk.es[c]!))],
    ];
    lines.push(
      `${metric} risk over ${risk.count} values (from the merged sketch: within ${risk.relativeAccuracy * 100}% relative while the tail is all losses)`,
      ...table(['c', ...levels], rows),
      '',
    );
  }
  if (run.failedShards?.length) {
    const total = Math.max(run.counts.shardsFailed, run.failedShards.length);
    const shown = run.failedShards
      .slice(0, 10)
      .map((f) => `${f.shard} (${f.reason})`)
      .join('; ');
    lines.push(`failed shards (${total}): ${shown}${total > 10 ? ` … (all: ${run.failedShardList ?? 'see altus status --json'})` : ''}`);
  }
  if (run.cost) lines.push(...renderCost(run.cost));
  if (run.results?.format === 'parquet') {
    lines.push(`results: Parquet dataset, one part per shard: ${run.results.path ?? run.results.uri}`);
    if (run.results.sql) lines.push(`query: altus results ${run.runId} --sql "${run.results.sql}"`);
    if (run.results.bigQuery && !run.results.path) lines.push(`BigQuery: ${run.results.bigQuery}`);
  } else if (run.results) lines.push(`results: ${run.results.path ?? run.results.uri}`);
  // Names and reasons come from manifests and kernels: escaped, so none can drive the terminal.
  return lines.map((line) => terminalText(line)).join('\n');
}

/** Columns padded to their widest cell: the first left-aligned, numbers right-aligned. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** The cost lines: totals, then one line per pool with the prices it was billed at. */
export function renderCost(cost: RunCost): string[] {
  const lines = [
    `cost: ${formatUsd(cost.estimatedUsd)} estimated · ${formatUsd(cost.onDemandEquivalentUsd)} on-demand equivalent · ${cost.savingsPercent.toFixed(1)}% saved` +
      ` (${formatQuantity(cost.vcpuSeconds)} vCPU-s${cost.gpuSeconds > 0 ? `, ${formatQuantity(cost.gpuSeconds)} GPU-s` : ''})`,
  ];
  for (const p of cost.byPool) {
    const pool = p.gpuPool ? `${p.cluster}/${p.gpuPool} (${p.acceleratorType})` : p.cluster;
    const gpu = p.prices.perGpuHour !== undefined ? ` + ${formatQuantity(p.gpuSeconds)} GPU-s × ${formatPrice(p.prices.perGpuHour)}/GPU-h` : '';
    lines.push(
      `  ${pool} ${p.region} ${p.machineType} ${p.spot ? 'Spot' : 'on-demand'}: ${p.shards} shard${p.shards === 1 ? '' : 's'}, ` +
        `${formatQuantity(p.vcpuSeconds)} vCPU-s × ${formatPrice(p.prices.perVcpuHour)}/vCPU-h${gpu} = ${formatUsd(p.estimatedUsd)} (on-demand ${formatUsd(p.onDemandEquivalentUsd)})`,
    );
  }
  if (cost.shardsUnpriced > 0) lines.push(`  ${cost.shardsUnpriced} shards ran on clusters no longer in the fleet configuration: not priced`);
  return lines;
}
