/**
 * The dashboard in a real Chromium (playwright-core drives the system's
 * browser; it downloads none): a run submitted to the test stack appears in the
 * runs list, its page shows progress advancing, and once it ends each metric's
 * histogram is drawn. Screenshots go to test/artifacts/. Skipped, saying why,
 * only when no Chromium is installed (`.ci/run` installs it).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { submitLocal } from '../../scripts/cli/submit.ts';
import { baseManifest, stackClients, testStack, waitForRun, writeManifest } from '../support/stack.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

function findChromium(): string | undefined {
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const executablePath = findChromium();

/** Polls `read` until `done` holds, collecting every distinct value seen. */
async function watch(read: () => Promise<string>, done: (value: string) => boolean, timeoutMilliseconds: number): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMilliseconds;
  while (Date.now() < deadline) {
    const value = await read();
    if (seen[seen.length - 1] !== value) seen.push(value);
    if (done(value)) return seen;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`gave up after ${timeoutMilliseconds} ms; seen: ${seen.join(' | ')}`);
}

/** Share of a canvas' pixels that are painted (not transparent, not white). */
async function paintedShare(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (canvas) => {
    const c = canvas as unknown as {
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240)) painted++;
    return painted / (data.length / 4);
  });
}

test('the dashboard shows a run appear, advance and end with its histograms', {
  skip: executablePath ? false : 'Chromium not found (apt-get install -y chromium)',
  timeout: 300_000,
}, async () => {
  const stack = testStack();
  mkdirSync(ARTIFACTS, { recursive: true });
  // The README's option book with more paths: long enough (tens of seconds) to watch it move.
  const manifest = baseManifest({
    name: 'dashboard-browser',
    kernel: { name: 'european-option-mc', paths: 600000, seed: 11 },
    parameters: {
      random: {
        count: 2000,
        seed: 7,
        base: { type: 'call', rate: 0.03, maturity: 1 },
        fields: { spot: { uniform: [80, 120] }, strike: { uniform: [90, 110] }, volatility: { normal: [0.25, 0.05], min: 0.05 } },
      },
    },
    shardSize: 50,
    aggregate: { metrics: ['price', 'stdError'], quantiles: [0.05, 0.5, 0.95] },
  });
  const { runId } = await submitLocal(stack, writeManifest('browser.json', manifest));
  const browser = await chromium.launch({
    executablePath: executablePath!,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const problems: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(stack.dashboardUrl);
    const row = page.locator(`tr[data-run="${runId}"]`);
    await row.waitFor({ timeout: 60_000 });
    assert.equal(await row.locator('a').textContent(), 'dashboard-browser');
    await page.screenshot({ path: `${ARTIFACTS}dashboard-runs-list.png`, fullPage: true });

    await row.locator('a').click();
    await page.waitForURL(`**#/runs/${runId}`);
    const progress = page.locator('#progress-text');
    const status = page.locator('#run-head .status');
    await progress.waitFor({ timeout: 60_000 });
    let shotWhileRunning = false;
    const seen = await watch(
      async () => {
        const text = (await progress.textContent()) ?? '';
        if (!shotWhileRunning && /RUNNING/.test((await status.textContent()) ?? '') && /^[1-9]\d* \//.test(text)) {
          shotWhileRunning = true;
          await page.screenshot({ path: `${ARTIFACTS}dashboard-run-progress.png`, fullPage: true });
        }
        return text;
      },
      (text) => /^40 \/ 40 shards done/.test(text),
      240_000,
    );
    const doneCounts = seen.map((t) => Number(/^(\d+) \//.exec(t)?.[1] ?? -1)).filter((n) => n >= 0);
    assert.ok(new Set(doneCounts.filter((n) => n > 0 && n < 40)).size >= 2, `progress advanced while running: ${seen.join(' | ')}`);
    assert.deepEqual(
      [...doneCounts].sort((a, b) => a - b),
      doneCounts,
      'progress never goes back',
    );

    await page.locator('.chart canvas').first().waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#run-head .status').textContent(), 'SUCCEEDED');
    assert.deepEqual(await page.locator('.chart').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-metric'))), ['price', 'stdError']);
    for (const metric of ['price', 'stdError']) {
      const share = await paintedShare(page, `.chart[data-metric="${metric}"] canvas`);
      assert.ok(share > 0.05, `the ${metric} histogram is drawn (${(share * 100).toFixed(1)}% of the canvas painted)`);
    }
    const over = page.locator('.chart[data-metric="price"] .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 3 });
    assert.match((await page.locator('.chart[data-metric="price"] .chart-readout').textContent()) ?? '', /^\[[-\d.e]+, [-\d.e]+\): [\d,]+ parameter sets$/);
    assert.match((await page.locator('#run-aggregates').textContent()) ?? '', /q0\.05.*q0\.5.*q0\.95/);
    assert.equal(await page.locator('#results-download').getAttribute('href'), `api/runs/${runId}/results.ndjson`);
    assert.match((await page.locator('#run-cost').textContent()) ?? '', /Estimated<?\$[\d.,]+On-demand equivalent<?\$[\d.,]+Savings\d+\.\d%/);
    assert.match((await page.locator('#cost-pools').textContent()) ?? '', /worker-a.*batch.*Spot.*\$0\.0093\/vCPU-h.*worker-b.*\$0\.0101\/vCPU-h/);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-run-finished.png`, fullPage: true });

    await page.locator('a', { hasText: 'All runs' }).click();
    await page.locator(`tr[data-run="${runId}"][data-status="SUCCEEDED"]`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}dashboard-runs-list-finished.png`, fullPage: true });
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  } finally {
    await browser.close();
    await waitForRun(stackClients(stack).runs, runId, 240_000).catch(() => undefined);
  }
});

test("a scenario run's page shows its VaR and expected shortfall: a risk table, and marks on the P&L histogram", {
  skip: !executablePath && 'chromium is not installed',
  timeout: 300_000,
}, async () => {
  const stack = testStack();
  mkdirSync(ARTIFACTS, { recursive: true });
  const example = JSON.parse(readFileSync(fileURLToPath(new URL('../../examples/scenario-var.json', import.meta.url)), 'utf8')) as Record<string, any>;
  const manifest = { ...example, name: 'dashboard-risk', parameters: { random: { ...example.parameters.random, count: 20_000 } }, shardSize: 2_000 };
  const { runId } = await submitLocal(stack, writeManifest('risk.json', manifest));
  const run = await waitForRun(stackClients(stack).runs, runId, 240_000);
  assert.equal(run.status, 'SUCCEEDED');
  const browser = await chromium.launch({ executablePath: executablePath!, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const problems: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${stack.dashboardUrl}#/runs/${runId}`);
    await page.locator('.chart[data-metric="pnl"] canvas').waitFor({ timeout: 60_000 });
    const aggregates = (await page.locator('#run-aggregates').textContent()) ?? '';
    assert.match(aggregates, /Risk of pnl \(20,000 scenarios; within 0\.5% of exact\)/);
    assert.match(aggregates, /0\.975.*0\.99.*0\.999/);
    for (const level of ['0.975', '0.99', '0.999']) assert.ok(aggregates.includes(level), `risk row ${level}`);
    assert.match((await page.locator('.chart[data-metric="pnl"]').locator('..').textContent()) ?? '', /VaR 0\.99 = [\d,.]+, ES 0\.99 = [\d,.]+/);
    const share = await paintedShare(page, '.chart[data-metric="pnl"] canvas');
    assert.ok(share > 0.05, `the pnl histogram is drawn (${(share * 100).toFixed(1)}% painted)`);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-run-risk.png`, fullPage: true });
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  } finally {
    await browser.close();
  }
});
