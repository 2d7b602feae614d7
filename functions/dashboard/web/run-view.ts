/**
 * Browser script part: one run's page (`#/runs/<runId>`). Polls the run every
 * second while it goes on (progress overall and per cluster, rate, ETA, failures);
 * once it has ended, shows the aggregates table and a histogram per metric with
 * the requested quantiles marked, then stops polling. Part of `assets/app.js`.
 */
export const RUN_VIEW_SCRIPT = String.raw`
  function showRun(runId, gen) {
    document.title = 'Altus · ' + runId;
    var parts = {};
    ['head', 'problems', 'progress', 'facts', 'failedShards', 'failedParameters', 'aggregates', 'charts', 'results', 'cost', 'placement'].forEach(function (k) {
      parts[k] = el('div', { id: 'run-' + k.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); }) });
    });
    main.replaceChildren.apply(main, [el('p', { className: 'small' }, [el('a', { href: '#/' }, ['← All runs'])])].concat(Object.keys(parts).map(function (k) { return parts[k]; })));
    var samples = [];
    var polls = 0;
    var finished = false;

    function rateAndEta(p) {
      if (p.total > 0 && p.done >= p.total) return 'all shards in · aggregating';
      var now = Date.now();
      samples.push({ t: now, done: p.done });
      while (samples.length > 2 && now - samples[0].t > 20000) samples.shift();
      var first = samples[0];
      var seconds = (now - first.t) / 1000;
      if (seconds < 2 || p.done <= first.done) return 'rate —';
      var rate = (p.done - first.done) / seconds;
      return rate.toFixed(1) + ' shards/s · ETA ' + duration((p.total - p.done) / rate);
    }

    function renderHead(d) {
      var s = d.summary;
      parts.head.replaceChildren(
        el('div', { className: 'headline' }, [el('h1', null, [s.name]), badge(s.status), el('span', { className: 'muted mono' }, [s.runId])]),
        el('div', { className: 'muted' }, [(s.kernel ? 'kernel ' + s.kernel + ' · ' : '') + int(s.parameters) + ' parameter sets in ' + int(d.progress.total) + ' shards']),
      );
      var problems = [];
      if (s.error) problems.push(panel(null, [el('strong', null, [s.error.code]), ' ', s.error.message], 'error'));
      if (d.lastError && !terminal(s.status)) {
        problems.push(panel(null, [el('strong', null, ['Last handler error']), ' (' + d.lastError.source + ', ' + time(d.lastError.at) + '): ' + d.lastError.message], 'error'));
      }
      parts.problems.replaceChildren.apply(parts.problems, problems);
    }

    function renderProgress(d, ended) {
      var p = d.progress;
      var line = int(p.done) + ' / ' + int(p.total) + ' shards done' + (p.failed ? ' · ' + int(p.failed) + ' failed' : '');
      var rows = p.clusters.map(function (c) {
        return [el('span', { className: 'mono' }, [c.cluster]), c.region || '—', el('div', { className: 'progress-cell' }, [progressBar(c)]), int(c.done) + ' / ' + int(c.total), c.failed ? int(c.failed) : '0'];
      });
      parts.progress.replaceChildren(panel('Progress', [
        el('div', { className: 'progress-cell' }, [progressBar(p, true), el('span', { className: 'mono', id: 'progress-text' }, [line])]),
        ended ? null : el('div', { className: 'muted small' }, [rateAndEta(p)]),
        rows.length ? el('div', { className: 'small' }, [el('br'), table(['Cluster', 'Region', 'Progress', 'Shards', 'Failed'], rows, [false, false, false, true, true])]) : null,
      ]));
    }

    function renderFacts(d) {
      var t = d.timings;
      var s = d.summary;
      var facts = [
        fact('Created', time(t.createdAt)),
        fact('Started', time(t.startedAt)),
        fact('Finished', time(t.finishedAt)),
        fact('Planning', duration(t.queuedSeconds)),
        fact(t.finishedAt ? 'Took' : 'Running for', duration(t.runningSeconds)),
        fact('CPU time', duration(t.cpuSeconds)),
        fact('Parameter sets', int(s.parameters)),
        fact('Failed parameter sets', int(s.parametersFailed)),
      ];
      if (d.cost) facts.push(fact('Estimated cost', usd(d.cost.estimatedUsd) + ' (' + d.cost.savingsPercent.toFixed(1) + '% below on-demand)'));
      parts.facts.replaceChildren(panel('Timings and counts', [el('div', { className: 'facts' }, facts)]));
    }

    // Same rounding as formatUsd in shared/cost.ts.
    function usd(x) {
      if (x === 0) return '$0.00';
      if (x >= 1) return '$' + x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      if (x >= 0.01) return '$' + x.toFixed(4);
      return '$' + x.toPrecision(3);
    }

    function renderCost(d) {
      var c = d.cost;
      if (!c) return parts.cost.replaceChildren();
      var rows = c.byPool.map(function (p) {
        var prices = '$' + p.prices.perVcpuHour + '/vCPU-h' + (p.prices.perGpuHour !== undefined ? ' · $' + p.prices.perGpuHour + '/GPU-h' : '');
        return [
          el('span', { className: 'mono' }, [p.cluster]),
          p.gpuPool ? p.gpuPool + ' (' + p.acceleratorType + ')' : 'batch',
          p.machineType + (p.spot ? ' · Spot' : ' · on-demand'),
          int(p.shards), num(p.vcpuSeconds), num(p.gpuSeconds), prices, usd(p.estimatedUsd), usd(p.onDemandEquivalentUsd),
        ];
      });
      parts.cost.replaceChildren(panel('Cost', [
        el('div', { className: 'facts' }, [
          fact('Estimated', usd(c.estimatedUsd)),
          fact('On-demand equivalent', usd(c.onDemandEquivalentUsd)),
          fact('Savings', c.savingsPercent.toFixed(1) + '%'),
          fact('vCPU seconds', num(c.vcpuSeconds)),
          fact('GPU seconds', num(c.gpuSeconds)),
        ]),
        el('div', { className: 'small', id: 'cost-pools' }, [el('br'), table(['Cluster', 'Pool', 'Machines', 'Shards', 'vCPU-s', 'GPU-s', 'Prices', 'Estimated', 'On-demand'], rows, [false, false, false, true, true, true, false, true, true])]),
        el('p', { className: 'small muted' }, ['Requested vCPUs and GPUs × worker wall time per recorded shard, at the fleet configuration\'s prices' +
          (c.shardsUnpriced ? '; ' + int(c.shardsUnpriced) + ' shards ran on clusters no longer configured and are not priced' : '') +
          '. Not included: hub, system pools, idle nodes, functions, Pub/Sub, Firestore, storage.']),
      ]));
    }

    function renderFailedShards(d) {
      if (!d.failedShards.length) return parts.failedShards.replaceChildren();
      var rows = d.failedShards.map(function (f) { return [String(f.shard), el('span', { className: 'mono' }, [f.cluster]), String(f.attempt), f.reason]; });
      var title = 'Failed shards (' + (d.failedShards.length < d.progress.failed ? 'first ' + d.failedShards.length + ' of ' : '') + int(d.progress.failed) + ')';
      parts.failedShards.replaceChildren(panel(title, [table(['Shard', 'Cluster', 'Attempt', 'Reason'], rows, [true, false, true, false])]));
    }

    function loadFailedParameters() {
      getJson('api/runs/' + runId + '/failed-parameters?limit=100').then(function (answer) {
        if (gen !== view.generation || !answer.rows.length) return;
        var rows = answer.rows.map(function (r) {
          var params = JSON.stringify(r.params);
          return [String(r.index), String(r.shard), r.error, el('div', { className: 'truncate mono', title: params }, [params])];
        });
        var of = answer.total !== undefined && answer.total > answer.rows.length ? 'first ' + answer.rows.length + ' of ' + int(answer.total) : int(answer.rows.length);
        parts.failedParameters.replaceChildren(panel('Failed parameter sets (' + of + ')', [table(['Index', 'Shard', 'Reason', 'Parameters'], rows, [true, true, false, false])]));
      }, function () {});
    }

    function renderAggregates(d) {
      var metrics = Object.keys(d.aggregates);
      if (!metrics.length) return;
      var levels = d.quantileLevels;
      var rows = metrics.map(function (m) {
        var a = d.aggregates[m];
        return [el('strong', null, [m]), int(a.count), num(a.mean), num(a.stddev), num(a.min), num(a.max)].concat(levels.map(function (q) { return num(a.quantiles[q]); }));
      });
      var headers = ['Metric', 'Count', 'Mean', 'Std dev', 'Min', 'Max'].concat(levels.map(function (q) { return 'q' + q; }));
      var panels = [panel('Aggregates', [table(headers, rows, headers.map(function (_, i) { return i > 0; }))])];
      Object.keys(d.risk || {}).forEach(function (m) {
        var r = d.risk[m];
        var riskRows = Object.keys(r.var).map(function (c) { return [c, num(r.var[c]), num(r.es[c])]; });
        panels.push(panel('Risk of ' + m + ' (' + int(r.count) + ' scenarios; within ' + (r.relativeAccuracy * 100) + '% of exact)', [
          table(['Confidence', 'VaR', 'Expected shortfall'], riskRows, [true, true, true]),
        ]));
      });
      parts.aggregates.replaceChildren.apply(parts.aggregates, panels);
      var cards = metrics.map(function (m) {
        var a = d.aggregates[m];
        var box = el('div', { className: 'chart', 'data-metric': m });
        var note = levels.map(function (q) { return 'q' + q + ' = ' + num(a.quantiles[q]); }).join(' · ');
        var risk = d.risk && d.risk[m];
        var notes = [el('div', { className: 'chart-note' }, [el('span', { className: 'q' }, ['- - ']), 'quantiles: ' + note])];
        if (risk) {
          var riskNote = Object.keys(risk.var).map(function (c) { return 'VaR ' + c + ' = ' + num(risk.var[c]) + ', ES ' + c + ' = ' + num(risk.es[c]); }).join(' · ');
          notes.push(el('div', { className: 'chart-note' }, [el('span', { className: 'risk' }, ['- - ']), 'losses (marked at −VaR, −ES): ' + riskNote]));
        }
        var card = el('section', { className: 'panel' }, [el('h2', { className: 'metric' }, ['Distribution of ' + m]), box].concat(notes));
        return { card: card, box: box, metric: m, aggregate: a, risk: risk };
      });
      parts.charts.replaceChildren(el('div', { className: 'grid' }, cards.map(function (c) { return c.card; })));
      cards.forEach(function (c) {
        var chart = window.AltusCharts.histogram(c.box, c.metric, c.aggregate, c.risk);
        if (chart) view.charts.push(chart);
      });
    }

    function renderResults(d) {
      if (!d.results) return parts.results.replaceChildren();
      var r = d.results;
      var parquet = r.format === 'parquet';
      var children = [el('div', null, [parquet ? 'Results (Parquet dataset, one part per shard): ' : 'Results file: ', el('code', null, [r.uri])])];
      if (r.downloadPath) children.push(el('p', null, [el('a', { href: r.downloadPath, download: d.summary.runId + '-results.ndjson', id: 'results-download' }, ['Download results (NDJSON)'])]));
      if (r.parts && r.parts.length) {
        var links = r.parts.map(function (part, i) {
          return el('a', { href: part.downloadPath, download: d.summary.runId + '-' + part.name, id: i === 0 ? 'results-download' : undefined }, [part.name]);
        });
        var more = r.partCount > r.parts.length ? [' and ' + (r.partCount - r.parts.length) + ' more in the folder'] : [];
        children.push(el('p', null, ['Download: '].concat(links.flatMap(function (a, i) { return i ? [' · ', a] : [a]; }), more)));
      }
      if (r.consoleUrl) {
        children.push(el('p', null, [el('a', { href: r.consoleUrl, target: '_blank', rel: 'noopener' }, ['Open in the Cloud Console'])]));
        children.push(el('div', { className: 'small muted' }, ['or: ', el('code', null, [r.copyCommand])]));
      }
      if (r.sqlCommand) children.push(el('div', null, ['SQL: ', el('code', { id: 'results-sql' }, [r.sqlCommand])]));
      if (r.bigQuery) children.push(el('div', { className: 'small muted' }, ['BigQuery: ', el('code', { id: 'results-bq' }, [r.bigQuery])]));
      parts.results.replaceChildren(panel('Results', children));
    }

    function renderPlacement(d) {
      var rows = d.placement.map(function (p) {
        return [el('span', { className: 'mono' }, [p.cluster]), p.region, p.count ? p.offset + '–' + (p.offset + p.count - 1) : '—', String(p.count), el('span', { className: 'mono small' }, [p.job])];
      });
      var children = [rows.length ? table(['Cluster', 'Region', 'Shards', 'Count', 'Job'], rows, [false, false, false, true, false]) : el('p', { className: 'muted' }, ['Not placed yet.'])];
      if (d.redispatches.length) {
        children.push(el('h2', null, [el('br'), 'Re-dispatched']));
        children.push(table(['Attempt', 'Cluster', 'Shards', 'Reason', 'At'], d.redispatches.map(function (r) {
          return [String(r.attempt), el('span', { className: 'mono' }, [r.cluster]), String(r.shards), r.reason, time(r.at)];
        }), [true, false, true, false, false]));
      }
      parts.placement.replaceChildren(panel('Placement', children));
    }

    function render(d, ended) {
      renderHead(d);
      renderProgress(d, ended);
      renderFacts(d);
      renderFailedShards(d);
      renderResults(d);
      renderCost(d);
      renderPlacement(d);
      if (polls % 10 === 0 || ended) loadFailedParameters();
      if (ended) renderAggregates(d);
    }

    function poll() {
      getJson('api/runs/' + runId).then(function (d) {
        if (gen !== view.generation || finished) return;
        var ended = terminal(d.summary.status);
        render(d, ended);
        polls += 1;
        if (ended) {
          finished = true;
          setLive('run ended · ' + clock(), false);
          return;
        }
        setLive('live · updated ' + clock(), true);
        later(gen, 1000, poll);
      }, function (error) {
        if (gen !== view.generation) return;
        if (error.status === 404 || error.status === 400) {
          setLive('', false);
          parts.head.replaceChildren(panel(null, [el('strong', null, ['No run ' + runId]), ' — it may not have been ingested yet.'], 'error'));
          return later(gen, 2000, poll);
        }
        setLive('connection problem: ' + error.message + ' (retrying)', false);
        later(gen, 2000, poll);
      });
    }
    poll();
  }
`;
