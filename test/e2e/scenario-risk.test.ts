/**
 * Scenario VaR and ES through the local stack: a book revalued under random market
 * scenarios by `scenario-revaluation`, the run-level figures merged from the shard
 * sketches, checked against the exact figures from every P&L in the results file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { exactTailRisk, tailMass } from '../../shared/stats/tail-risk.ts';
import { SKETCH_RELATIVE_ACCURACY } from '../../shared/stats/sketch.ts';
import { baseManifest, resultsText, runManifest, testStack, writeManifest } from '../support/stack.ts';

const LEVELS = [0.975, 0.99, 0.999];
const example = JSON.parse(readFileSync(new URL('../../examples/scenario-var.json', import.meta.url), 'utf8')) as {
  kernel: Record<string, unknown>;
  parameters: { random: Record<string, unknown> };
};
/** The example book of docs/manifest.md (examples/scenario-var.json), on fewer scenarios (the machine is shared). */
const scenarioManifest = (name: string, shardSize: number) =>
  baseManifest({
    name,
    kernel: example.kernel,
    parameters: { random: { ...example.parameters.random, count: 40_000 } },
    shardSize,
    aggregate: { metrics: ['pnl', 'value'], quantiles: [0.01, 0.5], expectedShortfall: LEVELS },
  });

describe('scenario VaR and ES end to end', () => {
  test('run-level VaR and ES are within the stated bound of the exact figures, whatever the sharding', async (t) => {
    const stack = testStack();
    const [sharded, whole] = await Promise.all([
      runManifest(stack, writeManifest('sharded.json', scenarioManifest('scenario-sharded', 1500)), 300_000),
      runManifest(stack, writeManifest('whole.json', scenarioManifest('scenario-whole', 40_000)), 300_000),
    ]);
    assert.equal(sharded.status, 'SUCCEEDED');
    assert.equal(whole.status, 'SUCCEEDED');
    assert.equal(sharded.counts.shards, 27);
    assert.deepEqual(Object.keys(sharded.risk ?? {}), ['pnl'], 'risk is taken over pnl only');
    assert.deepEqual(sharded.risk, whole.risk, 'merging sketches is exact: the figures do not depend on the shards');

    const rows = resultsText(sharded)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; pnl?: number; error?: string });
    assert.equal(rows.length, 40_000);
    assert.ok(rows.every((r) => r.error === undefined));
    const pnl = Float64Array.from(rows, (r) => r.pnl!).sort();
    const risk = sharded.risk!.pnl!;
    assert.equal(risk.count, 40_000);
    assert.equal(risk.relativeAccuracy, SKETCH_RELATIVE_ACCURACY);
    const report: string[] = [];
    for (const level of LEVELS) {
      const exact = exactTailRisk(pnl, level);
      const got = { valueAtRisk: risk.var[String(level)]!, expectedShortfall: risk.es[String(level)]! };
      // The bound holds relative to ES when the whole tail is losses, i.e. x_(k) <= 0.
      assert.ok(pnl[Math.ceil(tailMass(pnl.length, level)) - 1]! <= 0, `the ${level} tail of this book is all losses`);
      const varError = Math.abs(got.valueAtRisk - exact.valueAtRisk) / exact.valueAtRisk;
      const esError = Math.abs(got.expectedShortfall - exact.expectedShortfall) / exact.expectedShortfall;
      report.push(
        `c=${level}: VaR ${got.valueAtRisk.toFixed(2)} vs exact ${exact.valueAtRisk.toFixed(2)} (${varError.toExponential(2)}), ES ${got.expectedShortfall.toFixed(2)} vs exact ${exact.expectedShortfall.toFixed(2)} (${esError.toExponential(2)})`,
      );
      assert.ok(varError <= SKETCH_RELATIVE_ACCURACY * (1 + 1e-9), report.at(-1));
      assert.ok(esError <= SKETCH_RELATIVE_ACCURACY * (1 + 1e-9), report.at(-1));
    }
    for (const line of report) t.diagnostic(line);

    const status = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cli/main.ts', 'status', sharded.runId], {
      env: { ...process.env, ALTUS_HOME: stack.home },
      encoding: 'utf8',
    });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /pnl risk over 40000 values/);
    assert.match(status.stdout, /^VaR\s+\S+\s+\S+\s+\S+$/m);
    assert.match(status.stdout, /^ES\s+\S+\s+\S+\s+\S+$/m);
  });

  test('expectedShortfall on a run without a pnl metric is REJECTED with the fix in the message', async () => {
    const stack = testStack();
    const run = await runManifest(stack, writeManifest('no-pnl.json', baseManifest({ name: 'no-pnl', aggregate: { expectedShortfall: [0.99] } })));
    assert.equal(run.status, 'REJECTED');
    assert.equal(run.error?.code, 'MANIFEST_INVALID');
    assert.match(run.error!.message, /aggregate\.expectedShortfall: .*"pnl".*scenario-revaluation/);
    assert.equal(run.risk, undefined);
  });
});
