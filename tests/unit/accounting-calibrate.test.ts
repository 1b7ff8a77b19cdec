import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import {
  type AccountantName,
  AccountingInputError,
  calibrateSigma,
  computeEpsilon,
  defaultDelta,
  deltaWarning,
  epsilonCurve,
  maxSteps,
  type Phase,
  SIGMA_MAX,
} from '../../src/dp/accounting/index';
import { planPrivacy } from '../../src/train/dp-plan';

/** fixtures/accounting-reference.json: noise multipliers calibrated by Opacus and Google dp_accounting. */
const ref = JSON.parse(
  readFileSync(new URL('./fixtures/accounting-reference.json', import.meta.url), 'utf8'),
) as {
  inverse_cases: {
    sample_rate_q: number;
    steps: number;
    delta: number;
    target_eps: number;
    sigma_google_rdp_calibrated: number;
    sigma_google_pld_calibrated: number;
    sigma_opacus_prv: number;
  }[];
};

describe('calibrateSigma', () => {
  for (const accountant of ['prv', 'rdp'] as const) {
    it(`round trip (${accountant}): the epsilon reached is <= target, within 0.1%, and is the real one`, () => {
      for (const [epsilon, q, steps, delta] of [
        [0.5, 0.01, 1000, 1e-5],
        [2, 0.004, 5000, 1e-6],
        [8, 0.02, 200, 1e-5],
        [1, 1, 1, 1e-5],
      ]) {
        const r = calibrateSigma({ epsilon, delta, q, steps, accountant });
        expect(r.epsilon).toBeLessThanOrEqual(epsilon);
        expect(r.epsilon).toBeGreaterThan(epsilon * (1 - 1e-3));
        expect(computeEpsilon([{ q, sigma: r.sigma, steps }], delta, accountant)).toBe(r.epsilon);
        // A slightly smaller sigma no longer meets the target (minimality, to the search tolerance).
        expect(
          computeEpsilon([{ q, sigma: r.sigma * (1 - 1e-3), steps }], delta, accountant),
        ).toBeGreaterThan(epsilon);
      }
    });
  }

  it('agrees with the noise Google dp_accounting calibrates (RDP exactly; PRV between the tight PLD and RDP)', () => {
    for (const c of ref.inverse_cases) {
      const o = { epsilon: c.target_eps, delta: c.delta, q: c.sample_rate_q, steps: c.steps };
      const rdp = calibrateSigma({ ...o, accountant: 'rdp' });
      expect(Math.abs(rdp.sigma / c.sigma_google_rdp_calibrated - 1)).toBeLessThan(1e-3);
      // The PRV bound carries Opacus' error terms, so it needs a little more noise than the tight PLD.
      const prv = calibrateSigma(o);
      expect(prv.sigma).toBeGreaterThan(c.sigma_google_pld_calibrated);
      expect(prv.sigma).toBeLessThan(c.sigma_google_rdp_calibrated);
      expect(prv.sigma).toBeLessThan(c.sigma_opacus_prv); // Opacus stops its bisection early, above the target
    }
  });

  it('throws for a target that no sigma below 1000 reaches', () => {
    // RDP with orders <= 63 cannot go below ~0.103 at delta 1e-5, whatever the noise.
    expect(() =>
      calibrateSigma({ epsilon: 0.05, delta: 1e-5, q: 0.01, steps: 1000, accountant: 'rdp' }),
    ).toThrow(/out of reach: even sigma = 1000/);
    expect(() => calibrateSigma({ epsilon: 1e-3, delta: 1e-5, q: 0.5, steps: 100000 })).toThrow(
      AccountingInputError,
    );
    expect(SIGMA_MAX).toBe(1000);
  });
});

describe('maxSteps', () => {
  for (const accountant of ['prv', 'rdp'] as const) {
    it(`returns the last step count within budget (${accountant})`, () => {
      for (const [sigma, q, epsilon, delta] of [
        [1, 0.01, 2, 1e-5],
        [0.8, 0.004, 2, 1e-6],
        [3, 0.05, 1, 1e-5],
      ]) {
        const t = maxSteps({ sigma, q, epsilon, delta, accountant });
        expect(t).toBeGreaterThan(1);
        expect(computeEpsilon([{ q, sigma, steps: t }], delta, accountant)).toBeLessThanOrEqual(epsilon);
        expect(computeEpsilon([{ q, sigma, steps: t + 1 }], delta, accountant)).toBeGreaterThan(epsilon);
      }
    });
  }

  it('is the inverse of calibrateSigma and returns 0 when one step is already too much', () => {
    const { sigma } = calibrateSigma({ epsilon: 3, delta: 1e-5, q: 0.02, steps: 2500 });
    expect(maxSteps({ sigma, q: 0.02, epsilon: 3, delta: 1e-5 })).toBe(2500);
    expect(maxSteps({ sigma: 0.5, q: 1, epsilon: 1, delta: 1e-5 })).toBe(0);
  });
});

describe('delta conventions', () => {
  it('defaultDelta(n) = 1 / n^1.1, below 1/n', () => {
    expect(defaultDelta(1000)).toBeCloseTo(1000 ** -1.1, 18);
    expect(defaultDelta(50_000)).toBeCloseTo(1 / 50_000 ** 1.1, 20);
    for (const n of [2, 10, 12345, 1e6]) expect(defaultDelta(n)).toBeLessThan(1 / n);
  });

  it('deltaWarning fires exactly when delta >= 1/n', () => {
    expect(deltaWarning(1e-3, 1000)).toMatch(/not below 1\/n = 0.001 for n = 1000 documents/);
    expect(deltaWarning(2e-3, 1000)).toMatch(/delta < 1\/n/);
    expect(deltaWarning(0.999e-3, 1000)).toBeNull();
    expect(deltaWarning(defaultDelta(1000), 1000)).toBeNull();
  });
});

describe('input errors', () => {
  const ok = { q: 0.01, sigma: 1, steps: 100 };
  const cases: [string, () => unknown, RegExp][] = [
    ['delta = 0', () => computeEpsilon([ok], 0), /delta must be in \(0, 1\), got 0/],
    ['delta = 1', () => computeEpsilon([ok], 1), /delta must be in \(0, 1\), got 1/],
    ['delta < 0', () => computeEpsilon([ok], -1e-5), /delta must be in \(0, 1\)/],
    ['delta NaN', () => computeEpsilon([ok], Number.NaN), /delta must be in \(0, 1\), got NaN/],
    ['q = 0', () => computeEpsilon([{ ...ok, q: 0 }], 1e-5), /sample rate q must be in \(0, 1\], got 0/],
    ['q > 1', () => computeEpsilon([{ ...ok, q: 1.5 }], 1e-5), /sample rate q must be in \(0, 1\], got 1.5/],
    [
      'sigma = 0',
      () => computeEpsilon([{ ...ok, sigma: 0 }], 1e-5),
      /sigma must be a finite number > 0, got 0/,
    ],
    ['sigma < 0', () => computeEpsilon([{ ...ok, sigma: -2 }], 1e-5, 'rdp'), /sigma must be .* > 0, got -2/],
    ['steps = 0', () => computeEpsilon([{ ...ok, steps: 0 }], 1e-5), /steps must be an integer >= 1, got 0/],
    [
      'steps 1.5',
      () => computeEpsilon([{ ...ok, steps: 1.5 }], 1e-5),
      /steps must be an integer >= 1, got 1.5/,
    ],
    ['phase index', () => computeEpsilon([ok, { ...ok, q: 2 }], 1e-5), /\(phase 1\), got 2/],
    ['no phases', () => computeEpsilon([], 1e-5), /non-empty array/],
    [
      'accountant',
      () => computeEpsilon([ok], 1e-5, 'gdp' as 'prv'),
      /accountant must be one of prv, rdp, got "gdp"/,
    ],
    [
      'target epsilon = 0',
      () => calibrateSigma({ epsilon: 0, delta: 1e-5, q: 0.01, steps: 10 }),
      /target epsilon must be a finite number > 0, got 0/,
    ],
    [
      'target epsilon < 0',
      () => calibrateSigma({ epsilon: -1, delta: 1e-5, q: 0.01, steps: 10 }),
      /> 0, got -1/,
    ],
    ['calibrate q', () => calibrateSigma({ epsilon: 1, delta: 1e-5, q: 0, steps: 10 }), /sample rate q/],
    [
      'calibrate steps',
      () => calibrateSigma({ epsilon: 1, delta: 1e-5, q: 0.1, steps: 0.5 }),
      /steps must be an integer/,
    ],
    [
      'calibrate delta',
      () => calibrateSigma({ epsilon: 1, delta: 2, q: 0.1, steps: 5 }),
      /delta must be in \(0, 1\)/,
    ],
    [
      'budget = 0',
      () => maxSteps({ sigma: 1, q: 0.01, epsilon: 0, delta: 1e-5 }),
      /epsilon budget must be .* > 0/,
    ],
    ['maxSteps sigma', () => maxSteps({ sigma: 0, q: 0.01, epsilon: 1, delta: 1e-5 }), /sigma must be/],
    ['curve past the run', () => epsilonCurve([ok], 1e-5, [101]), /integers in \[0, 100\].*got 101/],
    ['curve non-integer', () => epsilonCurve([ok], 1e-5, [2.5]), /got 2.5/],
    ['documents = 1', () => defaultDelta(1), /number of documents must be an integer >= 2, got 1/],
    ['documents 0', () => deltaWarning(1e-5, 0), /integer >= 1, got 0/],
  ];
  for (const [name, run, message] of cases) {
    it(`rejects ${name} with a specific message`, () => {
      expect(run).toThrow(AccountingInputError);
      expect(run).toThrow(message);
    });
  }
});

/**
 * The pipeline's calibration before it used calibrateSigma (train/dp-train.ts until the calibrators
 * were merged): geometric bisection of sigma to a 0.1% bracket, prior phases composed first. Kept
 * here as the reference the one calibrator must agree with.
 */
function oldPipelineBisection(
  target: number,
  delta: number,
  q: number,
  steps: number,
  prior: Phase[],
  accountant: AccountantName,
): number {
  const eps = (sigma: number) => computeEpsilon([...prior, { q, sigma, steps }], delta, accountant);
  let lo = 0.05;
  let hi = 1;
  while (eps(hi) > target) {
    lo = hi;
    hi *= 2;
    if (hi > 1000) throw new Error('out of reach');
  }
  if (eps(lo) <= target) return lo;
  while (hi / lo > 1.001) {
    const mid = Math.sqrt(lo * hi);
    if (eps(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

describe('one calibrator for the pipeline (planPrivacy) and `distildp sigma`', () => {
  const histogram: Phase[] = [{ q: 1, sigma: 10, steps: 1 }];
  // [target epsilon, q, steps, delta, prior phases]: the round-trip cases above, the inverse
  // reference case, and pipeline shapes (the tiny e2e run; the standard demo run: q 0.4, 5 steps).
  const cases: [number, number, number, number, Phase[]][] = [
    [0.5, 0.01, 1000, 1e-5, []],
    [2, 0.004, 5000, 1e-6, []],
    [8, 0.02, 200, 1e-5, []],
    [1, 1, 1, 1e-5, []],
    ...ref.inverse_cases.map(
      (c) =>
        [c.target_eps, c.sample_rate_q, c.steps, c.delta, []] as [number, number, number, number, Phase[]],
    ),
    [2, 0.125, 8, 32 ** -1.1 * 0.99, [{ q: 1, sigma: 2, steps: 1 }]],
    [2, 0.4, 5, 640 ** -1.1 * 0.99, histogram],
    [3, 1 / 6, 6, 48 ** -1.1, [{ q: 1 / 6, sigma: 0.87, steps: 6 }]],
  ];

  it('agrees with the old pipeline bisection: within its 0.1% bracket, never above it by more than 1e-4', () => {
    for (const [epsilon, q, steps, delta, priorPhases] of cases) {
      const now = calibrateSigma({ epsilon, delta, q, steps, priorPhases });
      const old = oldPipelineBisection(epsilon, delta, q, steps, priorPhases, 'prv');
      const ratio = now.sigma / old;
      expect(ratio, `${epsilon} ${q} ${steps}`).toBeGreaterThanOrEqual(1 / 1.001);
      expect(ratio, `${epsilon} ${q} ${steps}`).toBeLessThanOrEqual(1 + 1e-4);
      expect(now.epsilon).toBeLessThanOrEqual(epsilon);
      expect(computeEpsilon([...priorPhases, { q, sigma: now.sigma, steps }], delta)).toBe(now.epsilon);
    }
  });

  it('planPrivacy and `distildp sigma --prior-phases` give the same sigma for a pipeline plan', async () => {
    const plan = planPrivacy(640, { targetEpsilon: 2, expectedBatchSize: 256, epochs: 2 }, histogram);
    expect([plan.q, plan.steps]).toEqual([0.4, 5]);
    expect(plan.sigma).toBe(
      calibrateSigma({ epsilon: 2, delta: plan.delta, q: plan.q, steps: plan.steps, priorPhases: histogram })
        .sigma,
    );
    const printed: string[] = [];
    const io: CommandIO = { out: (t) => printed.push(t), err: () => undefined };
    const code = await main(
      [
        'sigma',
        '--epsilon',
        '2',
        '--q',
        String(plan.q),
        '--steps',
        String(plan.steps),
        '--delta',
        String(plan.delta),
        '--prior-phases',
        JSON.stringify(histogram),
        '--json',
      ],
      io,
    );
    expect(code).toBe(0);
    const cli = JSON.parse(printed.join('')) as { sigma: number; epsilon: number; prior_phases: Phase[] };
    expect(cli.sigma).toBe(plan.sigma);
    expect(cli.epsilon).toBe(plan.epsilon);
    expect(cli.prior_phases).toEqual(histogram);
  });

  it('refuses a target that the prior phases alone already exceed', () => {
    expect(() =>
      calibrateSigma({
        epsilon: 0.1,
        delta: 1e-5,
        q: 0.01,
        steps: 10,
        priorPhases: [{ q: 1, sigma: 1, steps: 1 }],
      }),
    ).toThrow(/out of reach: even sigma = 1000 .*after 1 prior phase/);
  });
});
