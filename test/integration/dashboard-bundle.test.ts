/** The dashboard's browser bundle (scripts/dashboard-bundle.ts): the same bytes every time, wherever it is built. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildDashboardBundle, writeDashboardBundle } from '../../scripts/dashboard-bundle.ts';
import { webAssets } from '../../functions/dashboard/web/assets.ts';

test('two builds give the same bytes, and the files written are those bytes', async () => {
  const first = await buildDashboardBundle();
  const dir = mkdtempSync(join(tmpdir(), 'altus-bundle-'));
  const second = await writeDashboardBundle(dir);
  for (const name of ['app.js', 'app.css'] as const) {
    assert.ok(Buffer.from(first.get(name)!).equals(Buffer.from(second.get(name)!)), name);
    assert.ok(readFileSync(join(dir, name)).equals(Buffer.from(first.get(name)!)), name);
  }
  const paths = [...webAssets(dir).keys()];
  assert.equal(paths.filter((p) => /^\/assets\/app-[0-9a-f]{16}\.(js|css)$/.test(p)).length, 2, paths.join(' '));
});

test('the script names no path of this machine and carries the shared formatters', async () => {
  const script = Buffer.from((await buildDashboardBundle()).get('app.js')!).toString('utf8');
  assert.ok(!script.includes(process.cwd()), 'no absolute path in the bundle');
  // The formatters the CLI uses are the ones bundled: the bound for tiny costs is in the page.
  assert.ok(script.includes('<$'), 'formatUsd is bundled');
});
