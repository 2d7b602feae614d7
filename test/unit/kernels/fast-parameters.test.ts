/**
 * A kernel's fast parameter path (`acceptParameters`) is the schema's parse for
 * the plain case and nothing more: whatever it accepts, the schema accepts with
 * the same keys, order and values; whatever is unusual it leaves to the schema.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { kernels } from '../../../jobs/kernels/registry.ts';

const fastKernels = [...kernels.values()].filter((k) => k.acceptParameters !== undefined);

const value = fc.oneof(
  fc.constantFrom('call', 'put', 'Call', '', 'straddle'),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 0, 1e308),
  fc.constantFrom(undefined, null, true, '42'),
  fc.object({ maxDepth: 1 }),
);
const keys = fc.constantFrom('type', 'spot', 'strike', 'rate', 'dividendYield', 'volatility', 'maturity', 'paths', 'seed', 'constructor', 'Spot');
/** Parameter sets near the plain shape: the plain keys with some values swapped, dropped or added. */
const nearPlain = fc
  .tuple(
    fc.record({
      type: fc.constantFrom('call', 'put'),
      spot: fc.double({ min: 1, max: 200 }),
      strike: fc.double({ min: 1, max: 200 }),
      rate: fc.double({ min: -0.05, max: 0.2 }),
      volatility: fc.double({ min: 0.01, max: 2 }),
      maturity: fc.double({ min: 0.01, max: 10 }),
    }),
    fc.option(fc.double({ min: 0, max: 0.1 }), { nil: undefined }),
    fc.dictionary(keys, value, { maxKeys: 2 }),
    fc.array(keys, { maxLength: 2 }),
  )
  .map(([plain, dividendYield, changes, dropped]) => {
    const raw: Record<string, unknown> = { ...plain, ...(dividendYield === undefined ? {} : { dividendYield }), ...changes };
    for (const key of dropped) delete raw[key];
    return raw;
  });

test('there is a kernel with a fast parameter path to check', () => {
  assert.ok(fastKernels.length >= 2, fastKernels.map((k) => k.name).join(', '));
});

for (const kernel of fastKernels) {
  test(`${kernel.name}: acceptParameters never disagrees with its schema`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(nearPlain, fc.dictionary(keys, value)), (raw) => {
        const fast = kernel.acceptParameters!(raw);
        const parsed = kernel.parametersSchema.safeParse(raw);
        if (fast === undefined) return;
        accepted++;
        assert.ok(parsed.success, `accepted what the schema refuses: ${JSON.stringify(raw)}`);
        const expected = parsed.data as Record<string, unknown>;
        const actual = fast as Record<string, unknown>;
        assert.deepEqual(Object.keys(actual), Object.keys(expected), 'same keys in the same order');
        for (const key of Object.keys(expected)) assert.ok(Object.is(actual[key], expected[key]), `${key}: ${String(actual[key])} vs ${String(expected[key])}`);
      }),
      { numRuns: 2000 },
    );
    assert.ok(accepted > 100, `the fast path accepted only ${accepted} of 2000 cases: it is not being exercised`);
  });

  test(`${kernel.name}: acceptParameters takes the plain case, with and without dividendYield`, () => {
    const plain = { type: 'put', spot: 100, strike: 95, rate: 0.03, volatility: 0.2, maturity: 1 };
    assert.deepEqual(kernel.acceptParameters!(plain), kernel.parametersSchema.parse(plain));
    assert.deepEqual(kernel.acceptParameters!({ ...plain, dividendYield: 0.01 }), kernel.parametersSchema.parse({ ...plain, dividendYield: 0.01 }));
    assert.equal(kernel.acceptParameters!({ ...plain, extra: 1 }), undefined, "an unknown key is the schema's to refuse");
  });
}
