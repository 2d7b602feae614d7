/**
 * The files of the dashboard's web app, by URL path: the page and the browser
 * bundle (scripts/dashboard-bundle.ts writes it into functions/dashboard/bundle/,
 * and scripts/build.ts into the same place in the deployed archive). The bundle's
 * paths carry a hash of its content, so browsers may keep them for a year; the
 * page that names them is revalidated.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pageHtml } from './page.ts';

/** One file of the web app. */
export interface WebAsset {
  contentType: string;
  body: Buffer;
  /** Its URL changes with its content (cache for a year). */
  immutable: boolean;
}

/** The bundle's folder, beside this module's: the same relative place in the sources and in the build. */
export const BUNDLE_DIR = fileURLToPath(new URL('../bundle/', import.meta.url));

/** The browser bundle has not been built where the dashboard looks for it. */
export class DashboardBundleMissingError extends Error {
  override readonly name = 'DashboardBundleMissingError';

  constructor(path: string, options: { cause: unknown }) {
    super(`the dashboard's browser bundle is missing (${path}): build it with \`npm run build:dashboard\``, options);
  }
}

/** Every file of the web app by URL path, read from `bundleDir`. */
export function webAssets(bundleDir: string = BUNDLE_DIR): ReadonlyMap<string, WebAsset> {
  const read = (name: string) => {
    const path = `${bundleDir.replace(/\/$/, '')}/${name}`;
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new DashboardBundleMissingError(path, { cause });
    }
  };
  const script = read('app.js');
  const style = read('app.css');
  const scriptPath = `assets/app-${contentHash(script)}.js`;
  const stylePath = `assets/app-${contentHash(style)}.css`;
  const page: WebAsset = {
    contentType: 'text/html; charset=utf-8',
    body: Buffer.from(pageHtml({ script: scriptPath, style: stylePath }), 'utf8'),
    immutable: false,
  };
  return new Map<string, WebAsset>([
    ['/', page],
    ['/index.html', page],
    [`/${scriptPath}`, { contentType: 'text/javascript; charset=utf-8', body: script, immutable: true }],
    [`/${stylePath}`, { contentType: 'text/css; charset=utf-8', body: style, immutable: true }],
  ]);
}

/** Whether a URL path is one the web app serves (the page or an asset), as opposed to the API. */
export function isWebPath(pathname: string): boolean {
  return pathname === '/' || pathname === '/index.html' || pathname.startsWith('/assets/');
}

function contentHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}
