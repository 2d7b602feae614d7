/**
 * Browser script drawing a metric's histogram with uPlot: bars from the run's
 * `aggregates.<metric>.histogram`, the requested quantiles marked by a uPlot draw
 * hook, and for a P&L metric its VaR and expected shortfall (as P&L values, −VaR and
 * −ES) marked in another colour. Exposes
 * `window.AltusCharts.histogram(container, metric, aggregate, risk)`, which returns
 * `{ resize, destroy }`.
 * Kept as a string so it ships in the compiled functions archive; it must not
 * contain backticks or dollar-brace sequences.
 */
export const CHARTS_SCRIPT = String.raw`(function () {
  'use strict';
  var BAR = 'rgba(59, 91, 219, 0.55)';
  var BAR_LINE = 'rgba(59, 91, 219, 0.95)';
  var MARK = '#d9480f';
  var RISK = '#862e9c';
  var HINT = 'Point at a bar for its range and count.';

  function compact(x) {
    if (!isFinite(x)) return String(x);
    var a = Math.abs(x);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
    return Number(x.toPrecision(4)).toString();
  }

  function quantileMarkers(levels, values, labels, color, row) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          var dpr = window.devicePixelRatio || 1;
          var top = u.bbox.top;
          var bottom = top + u.bbox.height;
          ctx.save();
          ctx.strokeStyle = color;
          ctx.fillStyle = color;
          ctx.lineWidth = 1.5 * dpr;
          ctx.setLineDash([5 * dpr, 4 * dpr]);
          ctx.font = 600 + ' ' + Math.round(11 * dpr) + 'px system-ui, sans-serif';
          ctx.textBaseline = 'top';
          levels.forEach(function (level, i) {
            var x = Math.round(u.valToPos(values[i], 'x', true));
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, bottom);
            ctx.stroke();
            var label = labels[i];
            var width = ctx.measureText(label).width;
            // Labels of neighbouring quantiles are staggered so they do not overlap.
            var y = top + (2 + ((i % 3) + row) * 14) * dpr;
            var left = x + 3 * dpr + width > u.bbox.left + u.bbox.width ? x - 3 * dpr - width : x + 3 * dpr;
            // A light backing keeps the label readable over the bars.
            ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
            ctx.fillRect(left - 2 * dpr, y - 1 * dpr, width + 4 * dpr, 13 * dpr);
            ctx.fillStyle = color;
            ctx.fillText(label, left, y);
          });
          ctx.restore();
        }],
      },
    };
  }

  function histogram(container, metric, aggregate, risk) {
    var h = aggregate.histogram;
    if (!h || !h.counts.length) {
      container.textContent = 'No histogram for ' + metric + ' (no values).';
      return null;
    }
    var edges = h.edges;
    var lo = edges[0];
    var hi = edges[edges.length - 1];
    if (!(hi > lo)) {
      var pad = Math.abs(lo) * 0.05 || 1;
      lo -= pad;
      hi += pad;
    }
    var centers = h.counts.map(function (_, i) { return (edges[i] + edges[i + 1]) / 2; });
    var levels = Object.keys(aggregate.quantiles);
    var values = levels.map(function (l) { return aggregate.quantiles[l]; });
    var riskLevels = [];
    var riskValues = [];
    var riskLabels = [];
    if (risk) {
      Object.keys(risk.var).forEach(function (c) {
        riskLevels.push(c, c);
        riskValues.push(-risk.var[c], -risk.es[c]);
        riskLabels.push('VaR ' + c, 'ES ' + c);
      });
      // The tail marks must be on the chart even when they fall left of the first bin.
      riskValues.forEach(function (v) { if (v < lo) lo = v; });
    }
    var width = Math.max(320, container.clientWidth || 560);
    var opts = {
      width: width,
      height: 240,
      scales: { x: { time: false, range: [lo, hi] }, y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.08]; } } },
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      hooks: {
        setCursor: [function (u) {
          var i = u.cursor.idx;
          readout.textContent = i === null || i === undefined
            ? HINT
            : '[' + compact(edges[i]) + ', ' + compact(edges[i + 1]) + '): ' + h.counts[i].toLocaleString('en-US') + ' parameter sets';
        }],
      },
      series: [
        { label: metric },
        {
          label: 'parameter sets',
          fill: BAR,
          stroke: BAR_LINE,
          width: 1,
          paths: uPlot.paths.bars({ size: [1, Infinity], gap: 1, align: 0 }),
          points: { show: false },
        },
      ],
      axes: [
        { values: function (u, ticks) { return ticks.map(compact); }, grid: { stroke: '#eef0f3' } },
        { values: function (u, ticks) { return ticks.map(compact); }, grid: { stroke: '#eef0f3' }, size: 56 },
      ],
      plugins: [
        quantileMarkers(levels, values, levels.map(function (l) { return 'q' + l; }), MARK, 0),
        quantileMarkers(riskLevels, riskValues, riskLabels, RISK, 3),
      ],
    };
    container.textContent = '';
    var readout = document.createElement('div');
    readout.className = 'chart-readout';
    readout.textContent = HINT;
    var chart = new uPlot(opts, [centers, h.counts], container);
    container.appendChild(readout);
    return {
      resize: function () { chart.setSize({ width: Math.max(320, container.clientWidth || width), height: 240 }); },
      destroy: function () { chart.destroy(); },
    };
  }

  window.AltusCharts = { histogram: histogram, compact: compact };
})();
`;
