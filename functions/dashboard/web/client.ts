/**
 * The dashboard's browser script (`assets/app.js`): DOM helpers, the router
 * (`#/` runs list, `#/runs/<runId>` run page) and polling. The views live in
 * runs-view.ts and run-view.ts; all parts share one function scope. Kept as
 * strings so they ship in the compiled functions archive; they must not contain
 * backticks or dollar-brace sequences. Text goes into the page with
 * textContent only, never as HTML.
 */
import { RUN_VIEW_SCRIPT } from './run-view.ts';
import { RUNS_VIEW_SCRIPT } from './runs-view.ts';

const HELPERS = String.raw`
  'use strict';
  var TERMINAL = ['SUCCEEDED', 'PARTIAL', 'FAILED', 'REJECTED', 'CANCELLED'];
  var main = document.getElementById('main');
  var live = document.getElementById('live');
  var view = { generation: 0, charts: [] };

  function terminal(status) { return TERMINAL.indexOf(status) >= 0; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'className') node.className = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
    return node;
  }

  function num(x) {
    if (typeof x !== 'number' || !isFinite(x)) return String(x);
    var a = Math.abs(x);
    if (a >= 1e6 || (a < 1e-3 && x !== 0)) return x.toExponential(4);
    return x.toFixed(6).replace(/\.?0+$/, '');
  }

  function int(n) { return Number(n).toLocaleString('en-US'); }

  function duration(seconds) {
    if (typeof seconds !== 'number') return '—';
    if (seconds < 60) return seconds.toFixed(1) + ' s';
    var m = Math.floor(seconds / 60);
    if (m < 60) return m + ' min ' + Math.round(seconds % 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }

  function time(iso) { return iso ? new Date(iso).toLocaleString() : '—'; }
  function clock() { return new Date().toLocaleTimeString(); }

  function badge(status) { return el('span', { className: 'status status-' + status.toLowerCase() }, [status]); }

  function progressBar(p, big) {
    var total = Math.max(p.total, 1);
    var ok = el('span', { className: 'ok' });
    var bad = el('span', { className: 'bad' });
    // CSSOM, not a style attribute: the page's CSP forbids inline styles.
    ok.style.width = (Math.min(p.done - p.failed, total) / total) * 100 + '%';
    bad.style.width = (Math.min(p.failed, total) / total) * 100 + '%';
    return el('div', { className: big ? 'bar big' : 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': p.total, 'aria-valuenow': p.done }, [ok, bad]);
  }

  function table(headers, rows, numeric) {
    return el('table', null, [
      el('thead', null, [el('tr', null, headers.map(function (h, i) { return el('th', { className: numeric && numeric[i] ? 'num' : null }, [h]); }))]),
      el('tbody', null, rows.map(function (cells) {
        return el('tr', null, cells.map(function (c, i) { return el('td', { className: numeric && numeric[i] ? 'num' : null }, [c]); }));
      })),
    ]);
  }

  function panel(title, children, className) {
    return el('section', { className: 'panel' + (className ? ' ' + className : '') }, [title ? el('h2', null, [title]) : null].concat(children));
  }

  function fact(label, value) {
    return el('div', { className: 'fact' }, [el('div', { className: 'label' }, [label]), el('div', { className: 'value' }, [value])]);
  }

  function setLive(text, on) {
    live.textContent = text;
    live.className = on ? 'live on' : 'live';
  }

  function getJson(path) {
    return fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) return body;
        var error = new Error(body.error || res.status + ' ' + res.statusText);
        error.status = res.status;
        throw error;
      });
    });
  }

  function later(gen, ms, fn) {
    setTimeout(function () { if (gen === view.generation) fn(); }, ms);
  }
`;

const ROUTER = String.raw`
  function route() {
    view.generation += 1;
    view.charts.forEach(function (c) { c.destroy(); });
    view.charts = [];
    var match = /^#\/runs\/([a-z0-9-]+)$/.exec(location.hash);
    if (match) showRun(match[1], view.generation);
    else showRuns(view.generation);
  }
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', function () { view.charts.forEach(function (c) { c.resize(); }); });
  route();
`;

/** The whole browser script. */
export const CLIENT_SCRIPT = ['(function () {', HELPERS, RUNS_VIEW_SCRIPT, RUN_VIEW_SCRIPT, ROUTER, '})();', ''].join('\n');
