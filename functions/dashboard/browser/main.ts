/**
 * The dashboard's browser entry (bundled by scripts/dashboard-bundle.ts): routes
 * by the URL's hash, `#/` to the runs list and `#/runs/<runId>` to a run's page.
 */
import * as z from 'zod';
import { showRun } from './run-view.ts';
import { showRuns } from './runs-view.ts';
import { createScreens } from './screen.ts';

const RUN_ROUTE = /^#\/runs\/([a-z0-9-]+)$/;

function start(): void {
  // zod compiles parsers with `new Function` unless told not to; the page's CSP forbids eval, and even the probe is reported as a violation.
  z.config({ jitless: true });
  const main = document.getElementById('main');
  const live = document.getElementById('live');
  if (!main || !live) throw new Error('the page has no #main or #live element');
  const screens = createScreens(main, live);
  const route = () => {
    const screen = screens.next();
    const match = RUN_ROUTE.exec(location.hash);
    if (match) showRun(screen, match[1]!);
    else showRuns(screen);
  };
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', () => screens.resize());
  route();
}

start();
