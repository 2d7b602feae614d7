/**
 * The run document's statistics from its shards' partials: every metric's
 * aggregate (count, mean, standard deviation, min, max, quantiles, histogram) and
 * the run-level VaR and ES of the P&L metric. A pure function of the partials'
 * contents, independent of their order (partial.ts), so the aggregate function and
 * the in-process tests compute the run document's figures the same way.
 */
import { metricHistogram } from './histogram.ts';
import { mergeMetric, type MetricAggregate, type MetricPartial } from './partial.ts';
import { metricRisk, PNL_METRIC, type MetricRisk } from './tail-risk.ts';

/** The statistics a run document carries. */
export interface RunStatistics {
  aggregates: Record<string, MetricAggregate>;
  /** `risk.pnl` when the manifest asks for `aggregate.expectedShortfall` and some P&L was recorded. */
  risk: Record<string, MetricRisk> | undefined;
}

/** Merges the partials (one per succeeded shard, each shard once) into the run's statistics. */
export function runStatistics(
  partials: readonly { metrics: Readonly<Record<string, MetricPartial>> }[],
  request: { metrics: readonly string[]; quantiles: readonly number[]; riskLevels?: readonly number[] | undefined },
): RunStatistics {
  const aggregates: Record<string, MetricAggregate> = {};
  for (const metric of request.metrics) {
    const perShard = partials.map((p) => p.metrics[metric]!).filter(Boolean);
    const merged = mergeMetric(perShard, request.quantiles);
    const histogram = metricHistogram(perShard, merged);
    aggregates[metric] = histogram ? { ...merged, histogram } : merged;
  }
  const levels = request.riskLevels;
  const pnlRisk = levels ? metricRisk(partials.map((p) => p.metrics[PNL_METRIC]!).filter(Boolean), levels) : undefined;
  return { aggregates, risk: pnlRisk ? { [PNL_METRIC]: pnlRisk } : undefined };
}
