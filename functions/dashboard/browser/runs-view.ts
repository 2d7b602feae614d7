/** The runs list (`#/`), refreshed every 2 s; each run links to its page. */
import type { RunSummary } from '../../../shared/dashboard-api.ts';
import { TERMINAL_STATUSES } from '../../../shared/documents.ts';
import { formatCount, formatSeconds } from '../../../shared/display-format.ts';
import { fetchRuns } from './api-client.ts';
import { badge, el, localTime, progressBar } from './dom.ts';
import { clock, type Screen } from './screen.ts';

const HEADERS = ['Run', 'Status', 'Progress (shards)', 'Parameters', 'Kernel', 'Started', 'Duration'];
const NUMERIC = [false, false, false, true, false, false, true];
const REFRESH_MILLISECONDS = 2000;
const RETRY_MILLISECONDS = 3000;

/** Shows the runs list and keeps it current while the screen is. */
export function showRuns(screen: Screen): void {
  document.title = 'Altus · runs';
  const body = el('tbody');
  const note = el('p', { className: 'muted small' });
  screen.main.replaceChildren(
    el('div', { className: 'headline' }, [el('h1', {}, ['Runs']), el('span', { className: 'muted' }, ['newest first'])]),
    el('section', { className: 'panel' }, [
      el('table', { id: 'runs' }, [
        el('thead', {}, [
          el(
            'tr',
            {},
            HEADERS.map((h, i) => el('th', { className: NUMERIC[i] ? 'num' : null }, [h])),
          ),
        ]),
        body,
      ]),
    ]),
    note,
  );

  const poll = async () => {
    try {
      const { runs } = await fetchRuns(100);
      if (!screen.current()) return;
      note.textContent = '';
      body.replaceChildren(...(runs.length ? runs.map(runRow) : [emptyRow()]));
      const going = runs.filter((r) => !TERMINAL_STATUSES.includes(r.status)).length;
      screen.setLive(`${going ? `${going} running · ` : ''}updated ${clock()}`, going > 0);
      screen.later(REFRESH_MILLISECONDS, poll);
    } catch (error) {
      if (!screen.current()) return;
      note.textContent = `Could not load the runs: ${(error as Error).message} (retrying)`;
      screen.later(RETRY_MILLISECONDS, poll);
    }
  };
  void poll();
}

function runRow(r: RunSummary): HTMLTableRowElement {
  const p = r.progress;
  return el('tr', { 'data-run': r.runId, 'data-status': r.status }, [
    el('td', {}, [el('a', { href: `#/runs/${r.runId}` }, [r.name]), el('div', { className: 'muted small mono' }, [r.runId])]),
    el('td', {}, [badge(r.status)]),
    el('td', {}, [
      p.total > 0
        ? el('div', { className: 'progress-cell' }, [
            progressBar(p),
            el('span', { className: 'small mono' }, [`${p.done}/${p.total}${p.failed ? ` · ${p.failed} failed` : ''}`]),
          ])
        : el('span', { className: 'muted small' }, [r.error?.code ?? '—']),
    ]),
    el('td', { className: 'num' }, [
      r.parameters ? `${formatCount(r.parameters)}${r.parametersFailed ? ` (${formatCount(r.parametersFailed)} failed)` : ''}` : '—',
    ]),
    el('td', {}, [r.kernel ?? '—']),
    el('td', {}, [localTime(r.startedAt ?? r.createdAt)]),
    el('td', { className: 'num' }, [formatSeconds(r.durationSeconds)]),
  ]);
}

function emptyRow(): HTMLTableRowElement {
  return el('tr', {}, [el('td', { colspan: HEADERS.length, className: 'empty' }, ['No runs yet. Submit one with: altus submit <manifest>'])]);
}
