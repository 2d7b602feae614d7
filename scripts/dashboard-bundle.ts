/**
 * Bundles the dashboard's browser code (functions/dashboard/browser/) with
 * esbuild into the two files the dashboard function serves: `app.js` (the app
 * and uPlot) and `app.css` (uPlot's style and the app's). Deterministic: the
 * same sources give the same bytes (no source maps, no timestamps, paths relative
 * to the repository), so the served names, which carry a hash of the content,
 * change only when the content does.
 *
 * Written where the function reads them: functions/dashboard/bundle/ for the
 * local stack and tests (by `npm ci`'s prepare step and by every stack start),
 * dist/build/functions/dashboard/bundle/ for the deployed archive (scripts/build.ts).
 * `tsx scripts/dashboard-bundle.ts [outDir]` writes them.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Where the dashboard function reads its bundle when run from the sources. */
export const SOURCE_BUNDLE_DIR = join(ROOT, 'functions/dashboard/bundle');

/** The bundle's files by name. */
export type DashboardBundle = ReadonlyMap<'app.js' | 'app.css', Uint8Array>;

/** Builds the bundle in memory. */
export async function buildDashboardBundle(): Promise<DashboardBundle> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'functions/dashboard/browser/main.ts', style: 'functions/dashboard/browser/app.css' },
    bundle: true,
    write: false,
    outdir: 'bundle',
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    charset: 'utf8',
    legalComments: 'eof',
    sourcemap: false,
    logLevel: 'silent',
  });
  const file = (name: string) => {
    const found = result.outputFiles.find((f) => f.path.endsWith(`/bundle/${name}`));
    if (!found) throw new Error(`esbuild wrote no ${name} (wrote ${result.outputFiles.map((f) => f.path).join(', ')})`);
    return found.contents;
  };
  return new Map([
    ['app.js', file('app.js')],
    ['app.css', file('style.css')],
  ]);
}

/** Builds the bundle into `outDir`, replacing each file atomically and only when its bytes change. */
export async function writeDashboardBundle(outDir: string = SOURCE_BUNDLE_DIR): Promise<DashboardBundle> {
  const bundle = await buildDashboardBundle();
  mkdirSync(outDir, { recursive: true });
  for (const [name, contents] of bundle) {
    const path = join(outDir, name);
    if (sameBytes(path, contents)) continue;
    // Rename over the old file: a dashboard reading it at that moment sees one whole version.
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, path);
  }
  return bundle;
}

function sameBytes(path: string, contents: Uint8Array): boolean {
  try {
    return Buffer.compare(readFileSync(path), contents) === 0;
  } catch {
    return false;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? SOURCE_BUNDLE_DIR;
  const bundle = await writeDashboardBundle(outDir);
  process.stdout.write(`dashboard bundle: ${[...bundle].map(([name, c]) => `${name} ${c.length} bytes`).join(', ')} in ${outDir}\n`);
}
