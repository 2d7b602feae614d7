/**
 * Custom kernels without `outputs`, the exact form
 * `"kernel": {"image": "...", "command": [...]}`: validation and the plan (no
 * metrics named, so the run discovers them; `aggregate.metrics` picks them when
 * named) and the output protocol (any named fields; the metrics
 * `aggregate.metrics` names must be there as finite numbers). Whole runs are in
 * undeclared-outputs.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRun } from '../../../jobs/planning/plan.ts';
import { validateManifest } from '../../../jobs/planning/validate.ts';
import { KernelProtocolError, parseOutputLine } from '../../../jobs/worker/kernel-process.ts';
import { TEST_FLEET_CONFIG } from '../../support/fleet-config.ts';
import { PermanentError } from '../../../shared/errors.ts';
import { loadFleetConfig } from '../../../shared/fleet-config.ts';
import type { ObjectStore } from '../../../shared/storage/object-store.ts';
import { IMAGE, manifest } from '../../support/custom-kernel-manifest.ts';

const fleet = loadFleetConfig(TEST_FLEET_CONFIG);
const rejection = (value: unknown) => {
  try {
    validateManifest(value, fleet);
  } catch (error) {
    assert.ok(error instanceof PermanentError, String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a rejection');
};

test('the issue\'s exact form {"image", "command"} is valid: no metrics named, so the run discovers them, and the plan says so', async () => {
  const v = validateManifest(manifest({ command: ['python3', 'kernel.py'] }), fleet);
  assert.deepEqual(v.manifest.kernel, { image: IMAGE, command: ['python3', 'kernel.py'] });
  assert.deepEqual(v.metrics, []);
  assert.equal(v.discoverMetrics, true);
  const plan = await planRun({ runId: 'r-1', validated: v, store: {} as ObjectStore, manifestsBucket: 'm', resultsBucket: 'r', manifestObject: null });
  assert.equal(plan.discoverMetrics, true);
  assert.deepEqual(plan.metrics, []);
});

test('without outputs, aggregate.metrics names the metrics (in its order, each once); with outputs nothing changes', async () => {
  const v = validateManifest(manifest({ command: ['k'] }, { aggregate: { metrics: ['vega', 'price', 'vega'] } }), fleet);
  assert.deepEqual(v.metrics, ['vega', 'price']);
  assert.equal(v.discoverMetrics, false);
  const plan = await planRun({ runId: 'r-1', validated: v, store: {} as ObjectStore, manifestsBucket: 'm', resultsBucket: 'r', manifestObject: null });
  assert.equal('discoverMetrics' in plan, false, 'the plan of a run with named metrics is as before');
  const declared = validateManifest(manifest({ command: ['k'], outputs: ['price', 'delta'] }), fleet);
  assert.deepEqual([declared.metrics, declared.discoverMetrics], [['price', 'delta'], false]);
});

const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
  [
    'a metric no output line could carry',
    { aggregate: { metrics: ['index', 'a-b'] } },
    /^aggregate\.metrics: "index" \(index, params, error are reserved\), "a-b" \(an output name is a letter/,
  ],
  ['a metric that could reach a prototype', { aggregate: { metrics: ['__proto__'] } }, /"__proto__" \(__proto__, constructor, prototype are not allowed\)/],
  [
    'expectedShortfall with no metrics named',
    { aggregate: { expectedShortfall: [0.99] } },
    /aggregate\.expectedShortfall: .*without kernel\.outputs, name it: add "pnl" to aggregate\.metrics/,
  ],
  ['expectedShortfall without pnl among the metrics', { aggregate: { metrics: ['value'], expectedShortfall: [0.99] } }, /add "pnl" to aggregate\.metrics/],
];
for (const [label, extra, says] of invalid) {
  test(`MANIFEST_INVALID without outputs: ${label}`, () => {
    const { code, message } = rejection(manifest({ command: ['k'] }, extra));
    assert.equal(code, 'MANIFEST_INVALID');
    assert.match(message, says);
  });
}

test('expectedShortfall with "pnl" in aggregate.metrics is fine without outputs', () => {
  assert.deepEqual(validateManifest(manifest({ command: ['k'] }, { aggregate: { metrics: ['pnl'], expectedShortfall: [0.99] } }), fleet).metrics, ['pnl']);
});

test('undeclared output lines: every named field is kept, in the order written; the named metrics must be finite numbers', () => {
  assert.deepEqual(parseOutputLine('{"b": 2, "a": 1, "model": "v2", "converged": true, "grid": [1, 2]}', 1, [], true), {
    values: { b: 2, a: 1, model: 'v2', converged: true, grid: [1, 2] },
  });
  assert.deepEqual(parseOutputLine('{}', 1, [], true), { values: {} });
  assert.deepEqual(parseOutputLine('{"error": "no"}', 1, [], true), { error: 'no' });
  assert.deepEqual(parseOutputLine('{"price": 1, "note": "x"}', 1, ['price'], true), { values: { price: 1, note: 'x' } });
  const bad: Array<[string, string[], RegExp]> = [
    ['{"note": "x"}', ['price'], /missing output "price"/],
    ['{"price": "1"}', ['price'], /"price" must be a finite number, got "1"/],
    ['{"a": 1e999}', [], /output line 1: "a" is not finite \(overflows a double\)/],
    ['{"a": 1, "note": {"x": [1, -1e999]}}', [], /output line 1: note\.x\.1: not finite \(overflows a double\)/],
    ['{"index": 3}', [], /the field "index" cannot be an output: index, params, error are reserved/],
    ['{"params": {}}', [], /the field "params" cannot be an output/],
    ['{"a b": 1}', [], /the field "a b" cannot be an output: an output name is a letter/],
    ['{"__proto__": 1}', [], /the field "__proto__" cannot be an output/],
    ['{"error": "no", "a": 1}', [], /a declined parameter set is exactly/],
  ];
  for (const [line, required, says] of bad) {
    assert.throws(
      () => parseOutputLine(line, 1, required, true),
      (e: unknown) => e instanceof KernelProtocolError && says.test(e.message),
      line,
    );
  }
  assert.throws(
    () => parseOutputLine('{"price": 1, "note": "x"}', 1, ['price']),
    /unexpected output\(s\) "note"; kernel\.outputs declares price/,
    'declared outputs stay exact',
  );
});
