/**
 * A metric's histogram drawn with uPlot: bars from the run's
 * `aggregates.<metric>.histogram`, the requested quantiles marked by a draw hook,
 * and for a P&L metric its VaR and expected shortfall (as P&L values, −VaR and
 * −ES) marked in another colour. Pointing at a bar reads out its range and count.
 */
import uPlot from 'uplot';
import type { MetricAggregateView, MetricRiskView } from '../../../shared/dashboard-api.ts';
import { formatCount } from '../../../shared/display-format.ts';
import type { Chart } from './screen.ts';

const BAR = 'rgba(59, 91, 219, 0.55)';
const BAR_LINE = 'rgba(59, 91, 219, 0.95)';
const QUANTILE_MARK = '#d9480f';
const RISK_MARK = '#862e9c';
const HINT = 'Point at a bar for its range and count.';
const HEIGHT = 240;
const MIN_WIDTH = 320;

/** An axis value in four significant digits (scientific when far from 1: axes have little room). */
export function compact(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const magnitude = Math.abs(x);
  if (magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

/** Vertical dashed lines at `values`, each labelled; labels of neighbours are staggered (`row` offsets a set). */
function markers(values: readonly number[], labels: readonly string[], color: string, row: number): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          const dpr = window.devicePixelRatio || 1;
          const top = u.bbox.top;
          const bottom = top + u.bbox.height;
          ctx.save();
          ctx.strokeStyle = color;
          ctx.lineWidth = 1.5 * dpr;
          ctx.setLineDash([5 * dpr, 4 * dpr]);
          ctx.font = `600 ${Math.round(11 * dpr)}px system-ui, sans-serif`;
          ctx.textBaseline = 'top';
          values.forEach((value, i) => {
            const x = Math.round(u.valToPos(value, 'x', true));
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, bottom);
            ctx.stroke();
            const label = labels[i]!;
            const width = ctx.measureText(label).width;
            const y = top + (2 + ((i % 3) + row) * 14) * dpr;
            const left = x + 3 * dpr + width > u.bbox.left + u.bbox.width ? x - 3 * dpr - width : x + 3 * dpr;
            // A light backing keeps the label readable over the bars.
            ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
            ctx.fillRect(left - 2 * dpr, y - dpr, width + 4 * dpr, 13 * dpr);
            ctx.fillStyle = color;
            ctx.fillText(label, left, y);
          });
          ctx.restore();
        },
      ],
    },
  };
}

/** Draws the histogram into `container`; null (with a note) when the metric has no values. */
export function histogramChart(container: HTMLElement, metric: string, aggregate: MetricAggregateView, risk: MetricRiskView | undefined): Chart | null {
  const h = aggregate.histogram;
  if (!h?.counts.length) {
    container.textContent = `No histogram for ${metric} (no values).`;
    return null;
  }
  const { edges, counts } = h;
  let lo = edges[0]!;
  let hi = edges[edges.length - 1]!;
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  const centers = counts.map((_, i) => (edges[i]! + edges[i + 1]!) / 2);
  const quantiles = Object.entries(aggregate.quantiles).filter((e): e is [string, number] => e[1] !== null);
  const riskValues: number[] = [];
  const riskLabels: string[] = [];
  for (const c of Object.keys(risk?.var ?? {})) {
    const valueAtRisk = risk!.var[c];
    const shortfall = risk!.es[c];
    if (typeof valueAtRisk === 'number') {
      riskValues.push(-valueAtRisk);
      riskLabels.push(`VaR ${c}`);
    }
    if (typeof shortfall === 'number') {
      riskValues.push(-shortfall);
      riskLabels.push(`ES ${c}`);
    }
  }
  // The tail marks must be on the chart even when they fall left of the first bin.
  lo = Math.min(lo, ...riskValues);

  container.textContent = '';
  const readout = document.createElement('div');
  readout.className = 'chart-readout';
  readout.textContent = HINT;
  const width = Math.max(MIN_WIDTH, container.clientWidth || 560);
  const ticks = (_: uPlot, values: number[]) => values.map(compact);
  const opts: uPlot.Options = {
    width,
    height: HEIGHT,
    scales: { x: { time: false, range: [lo, hi] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.08] } },
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    hooks: {
      setCursor: [
        (u) => {
          const i = u.cursor.idx;
          readout.textContent =
            i === null || i === undefined ? HINT : `[${compact(edges[i]!)}, ${compact(edges[i + 1]!)}): ${formatCount(counts[i]!)} parameter sets`;
        },
      ],
    },
    series: [
      { label: metric },
      {
        label: 'parameter sets',
        fill: BAR,
        stroke: BAR_LINE,
        width: 1,
        paths: uPlot.paths.bars!({ size: [1, Infinity], gap: 1, align: 0 }),
        points: { show: false },
      },
    ],
    axes: [
      { values: ticks, grid: { stroke: '#eef0f3' } },
      { values: ticks, grid: { stroke: '#eef0f3' }, size: 56 },
    ],
    plugins: [
      markers(
        quantiles.map((q) => q[1]),
        quantiles.map((q) => `q${q[0]}`),
        QUANTILE_MARK,
        0,
      ),
      markers(riskValues, riskLabels, RISK_MARK, 3),
    ],
  };
  const chart = new uPlot(opts, [centers, counts], container);
  container.appendChild(readout);
  return {
    resize: () => chart.setSize({ width: Math.max(MIN_WIDTH, container.clientWidth || width), height: HEIGHT }),
    destroy: () => chart.destroy(),
  };
}
