/**
 * The files of the dashboard's web app, by URL path: the page, its script and
 * style (TypeScript strings, so they travel in the compiled functions archive),
 * and uPlot, the chart library, served from its npm package. The versioned uPlot
 * paths are immutable; the app's own files are revalidated.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
// Importing the package's manifest also makes the functions build list uplot as a runtime dependency.
import uplotPackage from 'uplot/package.json' with { type: 'json' };
import { CLIENT_SCRIPT } from './client.ts';
import { CHARTS_SCRIPT } from './charts.ts';
import { pageHtml, PAGE_STYLE } from './page.ts';

/** One file of the web app. */
export interface WebAsset {
  contentType: string;
  body: Buffer;
  /** Its URL changes with its content (cache for a year). */
  immutable: boolean;
}

/** Versioned URL paths of uPlot's script and style. */
export const UPLOT_PATHS = {
  script: `/assets/uplot-${uplotPackage.version}.min.js`,
  style: `/assets/uplot-${uplotPackage.version}.min.css`,
} as const;

/** Every file of the web app by URL path (read once; uPlot from node_modules). */
export function webAssets(): ReadonlyMap<string, WebAsset> {
  const require = createRequire(import.meta.url);
  const own = (contentType: string, text: string): WebAsset => ({ contentType, body: Buffer.from(text, 'utf8'), immutable: false });
  const page = own('text/html; charset=utf-8', pageHtml({ uplotScript: UPLOT_PATHS.script.slice(1), uplotStyle: UPLOT_PATHS.style.slice(1) }));
  return new Map<string, WebAsset>([
    ['/', page],
    ['/index.html', page],
    ['/assets/app.css', own('text/css; charset=utf-8', PAGE_STYLE)],
    ['/assets/charts.js', own('text/javascript; charset=utf-8', CHARTS_SCRIPT)],
    ['/assets/app.js', own('text/javascript; charset=utf-8', CLIENT_SCRIPT)],
    [UPLOT_PATHS.script, { contentType: 'text/javascript; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')), immutable: true }],
    [UPLOT_PATHS.style, { contentType: 'text/css; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')), immutable: true }],
  ]);
}
