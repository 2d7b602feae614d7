/**
 * `npm run build`: the functions archive the infrastructure deploys — compiled
 * JavaScript only, an entry that loads FUNCTION_TARGET, exactly the runtime
 * packages it imports, the fleet configuration — deterministic, and servable by
 * the real Functions Framework.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import { freePort, waitForPort } from '../../scripts/stack/processes.ts';
import { waitFor } from '../support/wait-for.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARCHIVE = join(ROOT, 'dist', 'functions.zip');
const build = () => execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/build.ts')], { cwd: ROOT, stdio: 'pipe' });
const md5 = () => createHash('md5').update(readFileSync(ARCHIVE)).digest('hex');
let firstHash = '';

before(() => {
  build();
  firstHash = md5();
});

test('the archive holds compiled functions, the entry, the package manifest and the fleet configuration', () => {
  const listing = execFileSync('unzip', ['-Z1', ARCHIVE], { encoding: 'utf8' }).trim().split('\n');
  for (const name of [
    'index.js',
    'package.json',
    'altus.config.json',
    'functions/ingest/index.js',
    'functions/collect/handler.js',
    'jobs/kernels/registry.js',
    'functions/dashboard/bundle/app.js',
    'functions/dashboard/bundle/app.css',
  ]) {
    assert.ok(listing.includes(name), `${name} is in the archive`);
  }
  assert.deepEqual(
    listing.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('infra/')),
    [],
  );
  const manifest = JSON.parse(execFileSync('unzip', ['-p', ARCHIVE, 'package.json'], { encoding: 'utf8' })) as {
    main: string;
    type: string;
    dependencies: Record<string, string>;
    scripts?: unknown;
  };
  assert.equal(manifest.main, 'index.js');
  assert.equal(manifest.type, 'module');
  assert.equal(manifest.scripts, undefined, 'no build step runs at deploy time');
  assert.ok('@google-cloud/functions-framework' in manifest.dependencies);
  // The dashboard's bundle is built here: neither the bundler nor the chart library it bundles is installed at deploy time.
  for (const devOnly of ['cdktf', 'tsx', 'commander', 'esbuild', 'uplot']) assert.ok(!(devOnly in manifest.dependencies), devOnly);
  // The bootstrap function checks the bootstrap objects against the Kubernetes schemas before applying them.
  assert.ok('kubernetes-models' in manifest.dependencies);
});

test('building again gives the same bytes', () => {
  build();
  assert.equal(md5(), firstHash);
});

test('the real Functions Framework serves a function from the build by FUNCTION_TARGET', async () => {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js'),
      '--target=collect',
      `--source=${join(ROOT, 'dist/build')}`,
      `--port=${port}`,
      '--signature-type=cloudevent',
    ],
    {
      env: {
        PATH: process.env.PATH,
        FUNCTION_TARGET: 'collect',
        ALTUS_PROJECT_ID: 'demo-build',
        FIRESTORE_EMULATOR_HOST: '127.0.0.1:9',
        PUBSUB_EMULATOR_HOST: '127.0.0.1:9',
      },
      stdio: 'pipe',
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  try {
    await waitForPort(port, 20_000);
    // The banner is written as the server starts listening; its pipe may deliver it just after the port answers.
    await waitFor(() => /Function: collect/.test(output), { timeoutMs: 10_000, what: `the collect banner; output so far: ${output}` });
  } finally {
    child.kill('SIGKILL');
  }
});

test('the dashboard from the build serves its page and the bundle the page names', async () => {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js'),
      '--target=dashboard',
      `--source=${join(ROOT, 'dist/build')}`,
      `--port=${port}`,
      '--signature-type=http',
    ],
    {
      env: {
        PATH: process.env.PATH,
        FUNCTION_TARGET: 'dashboard',
        ALTUS_PROJECT_ID: 'demo-build',
        FIRESTORE_EMULATOR_HOST: '127.0.0.1:9',
        PUBSUB_EMULATOR_HOST: '127.0.0.1:9',
      },
      stdio: 'pipe',
    },
  );
  try {
    await waitForPort(port, 20_000);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(assets\/app-[0-9a-f]{16}\.(?:js|css))"/g)].map((m) => m[1]!);
    assert.equal(assets.length, 2, html);
    for (const path of assets) {
      const asset = await fetch(`http://127.0.0.1:${port}/${path}`);
      assert.equal(asset.status, 200, path);
      assert.match(asset.headers.get('cache-control')!, /immutable/);
      assert.ok((await asset.arrayBuffer()).byteLength > 1000, path);
    }
  } finally {
    child.kill('SIGKILL');
  }
});
