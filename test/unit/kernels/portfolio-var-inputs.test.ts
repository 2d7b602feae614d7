/**
 * The portfolio-var kernel's inputs: parameter sets outside its domain fail with a
 * DomainError that names the field, rounding is not an error, and the parameter and
 * options schemas apply their defaults and reject malformed input with the message a
 * user sees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../../jobs/kernels/kernel.ts';
import { portfolioParametersSchema, type PortfolioParameters } from '../../../jobs/kernels/portfolio-parameters.ts';
import { portfolioVar } from '../../../jobs/kernels/portfolio-var.ts';
import { describeIssues } from '../../../shared/manifest.ts';
import { evaluator, HULL_TWO } from '../../support/portfolio-fixtures.ts';

const SYMMETRIC_BY_A_HAIR: PortfolioParameters = {
  ...HULL_TWO,
  correlation: [
    [1, 0.3],
    [0.3 + 5e-13, 1 - 5e-13],
  ],
};
const PERFECT: PortfolioParameters = {
  ...HULL_TWO,
  correlation: [
    [1, 1],
    [1, 1],
  ],
};
const CONTRADICTORY: PortfolioParameters = {
  positions: [...HULL_TWO.positions, { value: 1e6, dailyVolatility: 0.03 }],
  correlation: [
    [1, 0.9, -0.9],
    [0.9, 1, 0.9],
    [-0.9, 0.9, 1],
  ],
  horizonDays: 1,
  confidence: 0.99,
};
const withPosition = (i: number, change: object): PortfolioParameters => ({
  ...HULL_TWO,
  positions: HULL_TWO.positions.map((p, j) => (i === j ? { ...p, ...change } : p)),
});

const OUT_OF_DOMAIN: ReadonlyArray<readonly [label: string, p: PortfolioParameters, message: string | RegExp]> = [
  ['a NaN value', withPosition(0, { value: Number.NaN }), 'positions.0.value must be a finite number (got NaN)'],
  [
    'an infinite volatility',
    withPosition(1, { dailyVolatility: Number.POSITIVE_INFINITY }),
    'positions.1.dailyVolatility must be a finite number (got Infinity)',
  ],
  ['a negative volatility', withPosition(1, { dailyVolatility: -0.01 }), 'positions.1.dailyVolatility must be >= 0 (got -0.01)'],
  ['a zero horizon', { ...HULL_TWO, horizonDays: 0 }, 'horizonDays must be > 0 (got 0)'],
  ['an infinite horizon', { ...HULL_TWO, horizonDays: Number.POSITIVE_INFINITY }, 'horizonDays must be a finite number (got Infinity)'],
  ['confidence 1', { ...HULL_TWO, confidence: 1 }, 'confidence must be between 0 and 1, exclusive, e.g. 0.99 (got 1)'],
  ['confidence 0', { ...HULL_TWO, confidence: 0 }, 'confidence must be between 0 and 1, exclusive, e.g. 0.99 (got 0)'],
  ['confidence 99 (a percentage)', { ...HULL_TWO, confidence: 99 }, 'confidence must be between 0 and 1, exclusive, e.g. 0.99 (got 99)'],
  [
    'a NaN correlation',
    {
      ...HULL_TWO,
      correlation: [
        [1, Number.NaN],
        [Number.NaN, 1],
      ],
    },
    'correlation.0.1 must be a finite number (got NaN)',
  ],
  [
    'a diagonal that is not 1',
    {
      ...HULL_TWO,
      correlation: [
        [1, 0.3],
        [0.3, 0.98],
      ],
    },
    'correlation.1.1 must be 1, the correlation of position 1 with itself (got 0.98)',
  ],
  [
    'a correlation above 1',
    {
      ...HULL_TWO,
      correlation: [
        [1, 1.2],
        [1.2, 1],
      ],
    },
    'correlation.0.1 is 1.2; a correlation must be between -1 and 1',
  ],
  [
    'a correlation below -1',
    {
      ...HULL_TWO,
      correlation: [
        [1, 0.3],
        [-1.0001, 1],
      ],
    },
    'correlation.1.0 is -1.0001; a correlation must be between -1 and 1',
  ],
  [
    'an asymmetric matrix',
    {
      ...HULL_TWO,
      correlation: [
        [1, 0.35],
        [0.3, 1],
      ],
    },
    'correlation is not symmetric: correlation.1.0 is 0.3 but correlation.0.1 is 0.35',
  ],
  [
    'an asymmetry just above 1e-12',
    {
      ...HULL_TWO,
      correlation: [
        [1, 0.3],
        [0.3 + 2e-12, 1],
      ],
    },
    /^correlation is not symmetric/,
  ],
  [
    'contradictory correlations',
    CONTRADICTORY,
    'correlation is not positive-definite (Cholesky pivot 3 is -15.2): the correlations among positions 0 to 2 contradict each other; ' +
      'fix them (e.g. with a nearest-correlation-matrix repair), and merge perfectly correlated positions into one',
  ],
  [
    'perfectly correlated positions',
    PERFECT,
    /^correlation is not positive-definite \(Cholesky pivot 2 is 0\): .* merge perfectly correlated positions into one$/,
  ],
  ['an overflowing P&L', withPosition(0, { value: 1e308, dailyVolatility: 10 }), /^the simulated P&L overflows double precision/],
];

for (const [label, p, message] of OUT_OF_DOMAIN) {
  test(`${label} fails the parameter set with DomainError`, () => {
    const evaluate = evaluator({ paths: 100 });
    assert.throws(
      () => evaluate(p, 0),
      (error: unknown) => error instanceof DomainError && (typeof message === 'string' ? error.message === message : message.test(error.message)),
    );
  });
}

test('asymmetry and a diagonal off by 1e-12 or less are rounding, not errors', () => {
  assert.doesNotThrow(() => evaluator({ paths: 100 })(SYMMETRIC_BY_A_HAIR, 0));
});

test('the parameter schema applies the defaults and leaves non-finite numbers to the domain check', () => {
  const { horizonDays: _h, confidence: _c, ...rest } = HULL_TWO;
  const parsed = portfolioParametersSchema.parse({
    ...rest,
    correlation: [
      [1, Number.NaN],
      [Number.NaN, 1],
    ],
  });
  assert.equal(parsed.horizonDays, 1);
  assert.equal(parsed.confidence, 0.99);
  assert.ok(Number.isNaN(parsed.correlation[0]![1]));
});

const MALFORMED: ReadonlyArray<readonly [label: string, value: unknown, message: string]> = [
  ['no positions', { ...HULL_TWO, positions: [], correlation: [] }, 'positions: list at least one position'],
  ['501 positions', { ...HULL_TWO, positions: Array.from({ length: 501 }, () => HULL_TWO.positions[0]) }, 'positions: at most 500 positions per parameter set'],
  ['a matrix of the wrong size', { ...HULL_TWO, correlation: [[1]] }, 'correlation: must be 2×2, one row per position (got 1 rows)'],
  ['a short row', { ...HULL_TWO, correlation: [[1, 0.3], [1]] }, 'correlation.1: must have 2 entries, one per position (got 1)'],
  ['no correlation', { positions: HULL_TWO.positions }, 'correlation: Invalid input: expected array, received undefined'],
  ['a value given as a string', withPosition(0, { value: '10e6' }), 'positions.0.value: expected a number, received "10e6"'],
  [
    'a position without volatility',
    { ...HULL_TWO, positions: [{ value: 1 }, HULL_TWO.positions[1]] },
    'positions.0.dailyVolatility: expected a number, received nothing',
  ],
  ['an unknown position field', withPosition(1, { beta: 1 }), 'positions.1: unknown field(s) "beta"'],
  ['an unknown field', { ...HULL_TWO, horizon: 10 }, '(root): unknown field(s) "horizon"'],
];

for (const [label, value, message] of MALFORMED) {
  test(`the parameter schema rejects ${label}`, () => {
    const result = portfolioParametersSchema.safeParse(value);
    assert.equal(result.success, false);
    assert.equal(describeIssues(result.error!.issues), message);
  });
}

test('options default to 100,000 normal paths with seed 0, and accept a Student t with its ν', () => {
  assert.deepEqual(portfolioVar.optionsSchema.parse({}), { paths: 100_000, seed: 0, distribution: 'normal' });
  const t = { paths: 100, seed: 7, distribution: 'student-t', degreesOfFreedom: 2.5 };
  assert.deepEqual(portfolioVar.optionsSchema.parse(t), t);
});

const BAD_OPTIONS: ReadonlyArray<readonly [label: string, options: Record<string, unknown>, message: RegExp]> = [
  ['paths below 100', { paths: 99 }, /^kernel\.paths: /],
  ['paths above 10,000,000', { paths: 10_000_001 }, /^kernel\.paths: /],
  ['fractional paths', { paths: 1000.5 }, /^kernel\.paths: /],
  ['a negative seed', { seed: -1 }, /^kernel\.seed: /],
  ['an unsafe seed', { seed: 2 ** 53 }, /^kernel\.seed: /],
  ['an unknown distribution', { distribution: 'cauchy' }, /^kernel\.distribution: /],
  ['student-t without ν', { distribution: 'student-t' }, /^kernel\.degreesOfFreedom: is required with distribution "student-t": give a number > 2, e.g. 4$/],
  [
    'ν = 2',
    { distribution: 'student-t', degreesOfFreedom: 2 },
    /^kernel\.degreesOfFreedom: must be > 2: a Student t with 2 or fewer degrees of freedom has no variance to scale$/,
  ],
  ['ν given as a string', { distribution: 'student-t', degreesOfFreedom: '4' }, /^kernel\.degreesOfFreedom: /],
  [
    'ν with distribution normal',
    { distribution: 'normal', degreesOfFreedom: 4 },
    /^kernel\.degreesOfFreedom: applies only to distribution "student-t"; remove it, or set distribution to "student-t"$/,
  ],
  ['ν with the default distribution', { degreesOfFreedom: 4 }, /^kernel\.degreesOfFreedom: applies only to distribution "student-t"/],
  ['an unknown option', { antithetic: true }, /^kernel: unknown field\(s\) "antithetic"$/],
];

for (const [label, options, message] of BAD_OPTIONS) {
  test(`options reject ${label}`, () => {
    const result = portfolioVar.optionsSchema.safeParse(options);
    assert.equal(result.success, false);
    const described = describeIssues(result.error!.issues, 'kernel');
    assert.match(described, message);
  });
}
