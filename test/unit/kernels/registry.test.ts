import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getKernel, kernelNames, kernels } from '../../../jobs/kernels/registry.ts';

test('the built-in kernels are registered under their own names', () => {
  assert.deepEqual(kernelNames(), ['black-scholes', 'european-option-mc', 'portfolio-var', 'scenario-revaluation']);
  for (const [name, kernel] of kernels) assert.equal(kernel.name, name);
});

const LOOKUPS: ReadonlyArray<readonly [name: string, outputs: readonly string[] | undefined]> = [
  ['black-scholes', ['price', 'delta', 'gamma', 'vega', 'theta', 'rho']],
  ['european-option-mc', ['price', 'stdError']],
  ['portfolio-var', ['var', 'es', 'pnlMean', 'pnlStdDev']],
  ['scenario-revaluation', ['pnl', 'value']],
  ['Black-Scholes', undefined],
  ['heston-mc', undefined],
];

for (const [name, outputs] of LOOKUPS) {
  test(`getKernel("${name}") ${outputs ? 'finds it' : 'is undefined'}`, () => {
    assert.deepEqual(getKernel(name)?.outputs, outputs);
  });
}

test('a registered kernel evaluates through the type-erased registry entry', () => {
  const kernel = getKernel('black-scholes')!;
  const options = kernel.optionsSchema.parse({});
  const params = kernel.parametersSchema.parse({ type: 'call', spot: 42, strike: 40, rate: 0.1, volatility: 0.2, maturity: 0.5 });
  const { price } = kernel.prepare(options)(params, 0);
  assert.ok(Math.abs(price! - 4.76) <= 0.005, `price ${price}`); // Hull Example 15.6 prints 4.76
});
