/**
 * Browser script part: the runs list (`#/`), refreshed every 2 s. Each run links
 * to its page. Part of `assets/app.js` (see client.ts).
 */
export const RUNS_VIEW_SCRIPT = String.raw`
  function showRuns(gen) {
    document.title = 'Altus · runs';
    var body = el('tbody');
    var note = el('p', { className: 'muted small' });
    var headers = ['Run', 'Status', 'Progress (shards)', 'Parameters', 'Kernel', 'Started', 'Duration'];
    var numeric = [false, false, false, true, false, false, true];
    main.replaceChildren(
      el('div', { className: 'headline' }, [el('h1', null, ['Runs']), el('span', { className: 'muted' }, ['newest first'])]),
      el('section', { className: 'panel' }, [
        el('table', { id: 'runs' }, [
          el('thead', null, [el('tr', null, headers.map(function (h, i) { return el('th', { className: numeric[i] ? 'num' : null }, [h]); }))]),
          body,
        ]),
      ]),
      note,
    );

    function row(r) {
      var p = r.progress;
      return el('tr', { 'data-run': r.runId, 'data-status': r.status }, [
        el('td', null, [el('a', { href: '#/runs/' + r.runId }, [r.name]), el('div', { className: 'muted small mono' }, [r.runId])]),
        el('td', null, [badge(r.status)]),
        el('td', null, [
          p.total > 0
            ? el('div', { className: 'progress-cell' }, [progressBar(p), el('span', { className: 'small mono' }, [p.done + '/' + p.total + (p.failed ? ' · ' + p.failed + ' failed' : '')])])
            : el('span', { className: 'muted small' }, [r.error ? r.error.code : '—']),
        ]),
        el('td', { className: 'num' }, [r.parameters ? int(r.parameters) + (r.parametersFailed ? ' (' + int(r.parametersFailed) + ' failed)' : '') : '—']),
        el('td', null, [r.kernel || '—']),
        el('td', null, [time(r.startedAt || r.createdAt)]),
        el('td', { className: 'num' }, [duration(r.durationSeconds)]),
      ]);
    }

    function render(runs) {
      if (!runs.length) {
        body.replaceChildren(el('tr', null, [el('td', { colspan: 7, className: 'empty' }, ['No runs yet. Submit one with: altus submit <manifest>'])]));
        return;
      }
      body.replaceChildren.apply(body, runs.map(row));
    }

    function poll() {
      getJson('api/runs?limit=100').then(function (answer) {
        if (gen !== view.generation) return;
        note.textContent = '';
        render(answer.runs);
        var going = answer.runs.filter(function (r) { return !terminal(r.status); }).length;
        setLive((going ? going + ' running · ' : '') + 'updated ' + clock(), going > 0);
        later(gen, 2000, poll);
      }, function (error) {
        if (gen !== view.generation) return;
        note.textContent = 'Could not load the runs: ' + error.message + ' (retrying)';
        later(gen, 3000, poll);
      });
    }
    poll();
  }
`;
