import { test } from 'node:test';
import assert from 'node:assert/strict';
import { europeanOptionMc, priceEuropeanMonteCarlo } from '../../../jobs/kernels/european-option-mc.ts';
import { DomainError } from '../../../jobs/kernels/kernel.ts';
import type { OptionParameters } from '../../../jobs/kernels/option-parameters.ts';
import { Xoshiro256Plus, type Xoshiro256State } from '../../../jobs/kernels/rng.ts';

const HULL_CALL: OptionParameters = { type: 'call', spot: 42, strike: 40, rate: 0.1, dividendYield: 0, volatility: 0.2, maturity: 0.5 };
const HULL_PUT: OptionParameters = { ...HULL_CALL, type: 'put' };
const HAUG_PUT: OptionParameters = { type: 'put', spot: 75, strike: 70, rate: 0.1, dividendYield: 0.05, volatility: 0.35, maturity: 0.5 };
/** The fixed state of shared/bench/mc_ref.c. */
const MC_REF_STATE: Xoshiro256State = [0x9e3779b97f4a7c15n, 0xbf58476d1ce4e5b9n, 0x94d049bb133111ebn, 12345n];

// Closed-form values published in the literature (see black-scholes.test.ts for the
// sources): Hull Example 15.6 to the 4 decimals usually quoted (Hull prints 4.76 and
// 0.81), Haug98 p. 2-8 for the put with a dividend yield.
const ACCURACY_CASES: ReadonlyArray<readonly [label: string, p: OptionParameters, exact: number, antithetic: boolean]> = [
  ['Hull call, antithetic', HULL_CALL, 4.7594, true],
  ['Hull call, plain', HULL_CALL, 4.7594, false],
  ['Hull put, antithetic', HULL_PUT, 0.8086, true],
  ['Haug put with q = 5%, antithetic', HAUG_PUT, 4.087, true],
  ['Haug put with q = 5%, plain', HAUG_PUT, 4.087, false],
];

for (const [label, p, exact, antithetic] of ACCURACY_CASES) {
  test(`${label}: 100,000 paths land within 4 standard errors of ${exact}`, () => {
    const { price, stdError } = europeanOptionMc.prepare({ paths: 100_000, seed: 11, antithetic })(p, 0);
    assert.ok(stdError! > 0 && stdError! < 0.05, `stdError ${stdError}`);
    assert.ok(Math.abs(price! - exact) <= 4 * stdError!, `price ${price} ± ${stdError}, exact ${exact}`);
  });
}

// The reported standard error is honest if the exact value lies within 1.96 of them in
// ~95% of independent runs. With 4,000 fixed seeds the 93.5-96.5% band is ±4.4 binomial
// standard deviations, so an honest estimator passes for practically any seed set, while
// a standard error 15% too large (coverage ~97.5%) or too small (~91%) fails.
// Deterministic: the same seeds every run.
const COVERAGE_CASES: ReadonlyArray<readonly [label: string, p: OptionParameters, exact: number, antithetic: boolean]> = [
  ['Hull call, antithetic', HULL_CALL, 4.7594, true],
  ['Hull call, plain', HULL_CALL, 4.7594, false],
  ['Haug put with q = 5%, antithetic', HAUG_PUT, 4.087, true],
];

for (const [label, p, exact, antithetic] of COVERAGE_CASES) {
  test(`${label}: stdError is honest, 95% coverage over 4,000 seeds of 2,000 paths`, () => {
    const seeds = 4000;
    let covered = 0;
    for (let seed = 0; seed < seeds; seed += 1) {
      const { price, stdError } = europeanOptionMc.prepare({ paths: 2000, seed, antithetic })(p, 0);
      if (Math.abs(price! - exact) <= 1.96 * stdError!) covered += 1;
    }
    const coverage = covered / seeds;
    assert.ok(coverage >= 0.935 && coverage <= 0.965, `coverage ${coverage}`);
  });
}

// Printed by `gcc -O3 -march=native -o mc_ref shared/bench/mc_ref.c -lm && ./mc_ref N`
// (price=%.5f): the same uniforms, normals and antithetic pairing give the same number.
const MC_REF_OUTPUTS: ReadonlyArray<readonly [paths: number, printed: number]> = [
  [1000, 4.83461],
  [1_000_000, 4.75877],
];

for (const [paths, printed] of MC_REF_OUTPUTS) {
  test(`from mc_ref.c's fixed state, ${paths} paths reproduce its printed price ${printed}`, () => {
    const { price } = priceEuropeanMonteCarlo(new Xoshiro256Plus(MC_REF_STATE), HULL_CALL, { paths, antithetic: true });
    assert.ok(Math.abs(price - printed) <= 5e-6, `price ${price}`);
  });
}

/** The algorithm as a textbook would write it: one uniform at a time, exp(drift ± σ√T·z). */
function referenceEstimate(p: OptionParameters, paths: number, antithetic: boolean): { price: number; stdError: number } {
  const stream = new Xoshiro256Plus(MC_REF_STATE);
  const drift = (p.rate - p.dividendYield - 0.5 * p.volatility ** 2) * p.maturity;
  const vol = p.volatility * Math.sqrt(p.maturity);
  const payoff = (z: number) => Math.max((p.type === 'call' ? 1 : -1) * (p.spot * Math.exp(drift + vol * z) - p.strike), 0);
  const count = antithetic ? Math.ceil(paths / 2) : paths;
  const samples: number[] = [];
  while (samples.length < count) {
    let u1: number, u2: number, w: number;
    do {
      u1 = 2 * stream.nextDouble() - 1;
      u2 = 2 * stream.nextDouble() - 1;
      w = u1 * u1 + u2 * u2;
    } while (w >= 1 || w === 0);
    const m = Math.sqrt((-2 * Math.log(w)) / w);
    for (const z of [u1 * m, u2 * m]) {
      if (samples.length < count) samples.push(antithetic ? (payoff(z) + payoff(-z)) / 2 : payoff(z));
    }
  }
  const mean = samples.reduce((a, b) => a + b, 0) / count;
  const variance = samples.reduce((a, y) => a + (y - mean) ** 2, 0) / (count - 1);
  const discount = Math.exp(-p.rate * p.maturity);
  return { price: discount * mean, stdError: discount * Math.sqrt(variance / count) };
}

const REFERENCE_CASES: ReadonlyArray<readonly [p: OptionParameters, paths: number, antithetic: boolean]> = [
  [HULL_CALL, 5001, true],
  [HULL_CALL, 5001, false],
  [HAUG_PUT, 4999, true],
  [HAUG_PUT, 3, false],
];

for (const [p, paths, antithetic] of REFERENCE_CASES) {
  test(`${p.type}, ${paths} paths, antithetic ${antithetic}: same estimate as the one-uniform-at-a-time reference`, () => {
    const fast = priceEuropeanMonteCarlo(new Xoshiro256Plus(MC_REF_STATE), p, { paths, antithetic });
    const slow = referenceEstimate(p, paths, antithetic);
    assert.ok(Math.abs(fast.price - slow.price) <= 1e-12 * slow.price, `${fast.price} vs ${slow.price}`);
    assert.ok(Math.abs(fast.stdError - slow.stdError) <= 1e-9 * slow.stdError, `${fast.stdError} vs ${slow.stdError}`);
  });
}

test('with antithetic, an odd path count is rounded up to the next even one', () => {
  const options = { seed: 3, antithetic: true };
  const odd = europeanOptionMc.prepare({ ...options, paths: 10_001 })(HULL_CALL, 4);
  const even = europeanOptionMc.prepare({ ...options, paths: 10_002 })(HULL_CALL, 4);
  assert.deepEqual(odd, even);
});

test('identical bits for the same (seed, index), whatever the evaluator computed before', () => {
  const options = { paths: 20_000, seed: 99, antithetic: true };
  const fresh = europeanOptionMc.prepare(options)(HULL_CALL, 123_456);
  const busy = europeanOptionMc.prepare(options);
  busy(HAUG_PUT, 1);
  busy(HULL_PUT, 123_456);
  const again = busy(HULL_CALL, 123_456);
  for (const output of europeanOptionMc.outputs) assert.ok(Object.is(again[output], fresh[output]), output);
});

test('different indices and different seeds draw different streams', () => {
  const options = { paths: 20_000, antithetic: true };
  const base = europeanOptionMc.prepare({ ...options, seed: 5 })(HULL_CALL, 0).price;
  const otherIndex = europeanOptionMc.prepare({ ...options, seed: 5 })(HULL_CALL, 1).price;
  const otherSeed = europeanOptionMc.prepare({ ...options, seed: 6 })(HULL_CALL, 0).price;
  assert.notEqual(otherIndex, base);
  assert.notEqual(otherSeed, base);
});

test('outputs come in the declared order', () => {
  assert.deepEqual(Object.keys(europeanOptionMc.prepare({ paths: 100, seed: 0, antithetic: true })(HULL_CALL, 0)), [...europeanOptionMc.outputs]);
});

test('options default to 100,000 antithetic paths with seed 0', () => {
  assert.deepEqual(europeanOptionMc.optionsSchema.parse({}), { paths: 100_000, seed: 0, antithetic: true });
});

const BAD_OPTIONS: ReadonlyArray<readonly [label: string, options: Record<string, unknown>]> = [
  ['paths below 2', { paths: 1, antithetic: false }],
  ['paths above 100,000,000', { paths: 100_000_001 }],
  ['fractional paths', { paths: 1000.5 }],
  ['2 antithetic paths (one pair has no standard error)', { paths: 2 }],
  ['a negative seed', { seed: -1 }],
  ['an unsafe seed', { seed: 2 ** 53 }],
  ['an unknown option', { steps: 10 }],
];

for (const [label, options] of BAD_OPTIONS) {
  test(`options reject ${label}`, () => {
    assert.equal(europeanOptionMc.optionsSchema.safeParse(options).success, false);
  });
}

const FAILING: ReadonlyArray<readonly [label: string, p: OptionParameters, message: RegExp]> = [
  ['negative volatility', { ...HULL_CALL, volatility: -0.2 }, /^volatility must be > 0 \(got -0.2\)$/],
  ['Infinity maturity', { ...HULL_CALL, maturity: Number.POSITIVE_INFINITY }, /^maturity must be a finite number/],
  ['zero strike', { ...HULL_PUT, strike: 0 }, /^strike must be > 0/],
  ['a drift that overflows', { ...HULL_CALL, rate: 1000, maturity: 1 }, /overflows double precision/],
];

for (const [label, p, message] of FAILING) {
  test(`${label} fails the parameter set with DomainError`, () => {
    const evaluate = europeanOptionMc.prepare({ paths: 1000, seed: 0, antithetic: true });
    assert.throws(
      () => evaluate(p, 0),
      (error: unknown) => error instanceof DomainError && message.test(error.message),
    );
  });
}
