/**
 * One run's page (`#/runs/<runId>`): polls the run every second while it goes
 * on (progress overall and per cluster, rate, ETA, failures); once it has ended,
 * shows the aggregates, a histogram per metric and the cost, then stops polling.
 */
import type { RunDetail, ShardProgress } from '../../../shared/dashboard-api.ts';
import { TERMINAL_STATUSES } from '../../../shared/documents.ts';
import { formatSeconds } from '../../../shared/display-format.ts';
import { fetchFailedParameters, fetchRun, ApiError } from './api-client.ts';
import { el, panel } from './dom.ts';
import { renderFacts, renderFailedParameters, renderFailedShards, renderHead, renderPlacement, renderProgress, type RunParts } from './run-overview.ts';
import { renderAggregates, renderCharts, renderCost, renderResults } from './run-outcome.ts';
import { clock, type Screen } from './screen.ts';

const POLL_MILLISECONDS = 1000;
const RETRY_MILLISECONDS = 2000;
/** Failed parameter sets are re-read every this many polls (each read opens result objects). */
const POLLS_PER_FAILED_PARAMETERS = 10;
const FAILED_PARAMETERS_LISTED = 100;
/** The rate is measured over this much recent history. */
const RATE_WINDOW_MILLISECONDS = 20_000;

/** Shows a run's page and keeps it current while the run goes on and the screen is shown. */
export function showRun(screen: Screen, runId: string): void {
  document.title = `Altus · ${runId}`;
  const part = (id: string) => el('div', { id: `run-${id}` });
  // In page order.
  const parts: RunParts = {
    head: part('head'),
    problems: part('problems'),
    progress: part('progress'),
    facts: part('facts'),
    failedShards: part('failed-shards'),
    failedParameters: part('failed-parameters'),
    aggregates: part('aggregates'),
    charts: part('charts'),
    results: part('results'),
    cost: part('cost'),
    placement: part('placement'),
  };
  screen.main.replaceChildren(el('p', { className: 'small' }, [el('a', { href: '#/' }, ['← All runs'])]), ...Object.values(parts));
  const rate = createRateMeter(RATE_WINDOW_MILLISECONDS);
  let polls = 0;

  const loadFailedParameters = async () => {
    try {
      const answer = await fetchFailedParameters(runId, FAILED_PARAMETERS_LISTED);
      if (screen.current()) renderFailedParameters(parts, answer);
    } catch {
      // The next refresh asks again; the shard table already says which shards failed.
    }
  };

  const render = (detail: RunDetail, ended: boolean) => {
    renderHead(parts, detail);
    renderProgress(parts, detail, ended ? undefined : rate.describe(detail.progress));
    renderFacts(parts, detail);
    renderFailedShards(parts, detail);
    renderResults(parts.results, detail);
    renderCost(parts.cost, detail);
    renderPlacement(parts, detail);
    if (polls % POLLS_PER_FAILED_PARAMETERS === 0 || ended) void loadFailedParameters();
    if (ended) {
      renderAggregates(parts.aggregates, detail);
      for (const chart of renderCharts(parts.charts, detail)) screen.keep(chart);
    }
  };

  const poll = async () => {
    try {
      const detail = await fetchRun(runId);
      if (!screen.current()) return;
      const ended = TERMINAL_STATUSES.includes(detail.summary.status);
      render(detail, ended);
      polls += 1;
      if (ended) return screen.setLive(`run ended · ${clock()}`, false);
      screen.setLive(`live · updated ${clock()}`, true);
      screen.later(POLL_MILLISECONDS, poll);
    } catch (error) {
      if (!screen.current()) return;
      if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
        screen.setLive('', false);
        parts.head.replaceChildren(panel(null, [el('strong', {}, [`No run ${runId}`]), ' — it may not have been ingested yet.'], 'error'));
      } else {
        screen.setLive(`connection problem: ${(error as Error).message} (retrying)`, false);
      }
      screen.later(RETRY_MILLISECONDS, poll);
    }
  };
  void poll();
}

/** Shards per second over a sliding window, and the ETA it implies. */
function createRateMeter(windowMilliseconds: number): { describe(progress: ShardProgress): string } {
  const samples: Array<{ at: number; done: number }> = [];
  return {
    describe(progress) {
      if (progress.total > 0 && progress.done >= progress.total) return 'all shards in · aggregating';
      const now = Date.now();
      samples.push({ at: now, done: progress.done });
      while (samples.length > 2 && now - samples[0]!.at > windowMilliseconds) samples.shift();
      const first = samples[0]!;
      const seconds = (now - first.at) / 1000;
      if (seconds < 2 || progress.done <= first.done) return 'rate —';
      const perSecond = (progress.done - first.done) / seconds;
      return `${perSecond.toFixed(1)} shards/s · ETA ${formatSeconds((progress.total - progress.done) / perSecond)}`;
    },
  };
}
