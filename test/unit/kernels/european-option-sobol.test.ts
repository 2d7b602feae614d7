/** `european-option-mc` with `"sequence": "sobol"`: scrambled Sobol points, Φ⁻¹, a standard error from independent scramblings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blackScholesValues } from '../../../jobs/kernels/black-scholes.ts';
import { europeanOptionMc, europeanOptionMcOptionsSchema } from '../../../jobs/kernels/european-option-mc.ts';
import { inverseNormalCdf } from '../../../jobs/kernels/inverse-normal.ts';
import { normalCdf } from '../../../jobs/kernels/normal.ts';
import type { OptionParameters } from '../../../jobs/kernels/option-parameters.ts';
import { fillScrambledSobol, reverseBits32 } from '../../../jobs/kernels/sobol.ts';

const HULL_CALL: OptionParameters = { type: 'call', spot: 42, strike: 40, rate: 0.1, dividendYield: 0, volatility: 0.2, maturity: 0.5 };
const sobol = (paths: number, seed = 7, scramblings?: number) =>
  europeanOptionMc.prepare(europeanOptionMcOptionsSchema.parse({ paths, seed, sequence: 'sobol', ...(scramblings ? { scramblings } : {}) }));

test('every scrambling of the first 2^m points puts exactly one point in each interval [k/2^m, (k+1)/2^m)', () => {
  const points = new Float64Array(1024);
  for (const seed of [0, 1, 0xdeadbeef, 123456789]) {
    fillScrambledSobol(points, 1024, 0, seed);
    for (const m of [1, 4, 10]) {
      const cells = new Set(Array.from(points.subarray(0, 2 ** m), (u) => Math.floor(u * 2 ** m)));
      assert.equal(cells.size, 2 ** m, `seed ${seed}, m ${m}`);
    }
    assert.ok(points.every((u) => u > 0 && u < 1));
  }
  // Different seeds scramble differently.
  const other = new Float64Array(1024);
  fillScrambledSobol(other, 1024, 0, 1);
  fillScrambledSobol(points, 1024, 0, 2);
  assert.notDeepEqual(points, other);
  assert.equal(reverseBits32(1), 0x80000000);
  assert.equal(reverseBits32(0xf0), 0x0f000000);
});

test('Φ⁻¹ inverts Φ to ~1e-14 from 1e-300 to 1 − 1e-16', () => {
  for (const p of [1e-300, 1e-100, 1e-20, 1e-8, 0.001, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999, 1 - 1e-10]) {
    const x = inverseNormalCdf(p);
    const back = p < 0.5 ? normalCdf(x) / p : (1 - normalCdf(x)) / (1 - p);
    assert.ok(Math.abs(back - 1) < (p < 1e-8 || p > 1 - 1e-8 ? 1e-6 : 1e-13), `p ${p}: Φ(Φ⁻¹(p)) off by ${back - 1}`);
  }
  assert.equal(inverseNormalCdf(0.5), 0);
  assert.equal(inverseNormalCdf(0.975).toFixed(10), '1.9599639845');
});

test("Hull's call: within 4 standard errors of 4.7594, with a standard error far below pseudo-random's at the same paths", () => {
  const exact = blackScholesValues(HULL_CALL).price;
  const q = sobol(131_072)(HULL_CALL, 0);
  const p = europeanOptionMc.prepare(europeanOptionMcOptionsSchema.parse({ paths: 131_072, seed: 7 }))(HULL_CALL, 0);
  assert.ok(Math.abs(q.price! - exact) <= 4 * q.stdError!, `${q.price} ± ${q.stdError} vs ${exact}`);
  assert.ok(q.stdError! > 0 && q.stdError! < p.stdError! / 20, `sobol ${q.stdError} vs pseudo-random ${p.stdError}`);
});

test("a parameter set's price depends only on the seed and its index, not on what the evaluator priced before", () => {
  const alone = sobol(4096)(HULL_CALL, 5);
  const evaluate = sobol(4096);
  evaluate({ ...HULL_CALL, type: 'put' }, 4);
  evaluate(HULL_CALL, 9);
  assert.deepEqual(evaluate(HULL_CALL, 5), alone);
  assert.notDeepEqual(sobol(4096)(HULL_CALL, 6), alone);
  assert.notDeepEqual(sobol(4096, 8)(HULL_CALL, 5), alone);
});

test('the standard error is the spread of the scramblings: more scramblings, same points per scrambling, a tighter error', () => {
  const few = sobol(16 * 2048, 3, 16)(HULL_CALL, 0);
  const many = sobol(64 * 2048, 3, 64)(HULL_CALL, 0);
  assert.ok(many.stdError! < few.stdError!, `${many.stdError} vs ${few.stdError}`);
});

test('options: sobol is opt-in, scramblings only with it', () => {
  assert.equal(europeanOptionMcOptionsSchema.parse({}).sequence, undefined);
  assert.equal(europeanOptionMcOptionsSchema.parse({ sequence: 'sobol' }).scramblings, undefined);
  const refused = europeanOptionMcOptionsSchema.safeParse({ scramblings: 8 });
  assert.equal(refused.success, false);
  assert.match(JSON.stringify(refused.error?.issues), /applies only to sequence \\"sobol\\"/);
  assert.equal(europeanOptionMcOptionsSchema.safeParse({ sequence: 'halton' }).success, false);
  assert.equal(europeanOptionMcOptionsSchema.safeParse({ sequence: 'sobol', scramblings: 1 }).success, false);
});
