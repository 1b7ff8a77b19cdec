import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PldComposer } from '../../src/dp/accounting/compose';
import { type StepPmf, stepPmf } from '../../src/dp/accounting/discretize';
import { computeEpsilon, epsilonCurve, type Phase, prvEpsilon } from '../../src/dp/accounting/index';
import { type Direction, stepCurve } from '../../src/dp/accounting/mechanism';
import { opacusPrvEpsilon } from '../../src/dp/accounting/opacus';
import { OPACUS_PARITY_BELOW, PrvEvaluator } from '../../src/dp/accounting/prv';
import { rdpEpsilon } from '../../src/dp/accounting/rdp';

/** Epsilons computed by Opacus (PRV, RDP) and Google dp_accounting (PLD) (fixtures/accounting-reference.json). */
const ref = JSON.parse(
  readFileSync(new URL('./fixtures/accounting-reference.json', import.meta.url), 'utf8'),
) as {
  cases: {
    id: string;
    sample_rate_q: number;
    noise_multiplier_sigma: number;
    steps: number;
    delta: number;
    eps_prv_opacus: number;
    eps_pld_google: number;
    eps_exact_gaussian?: number;
  }[];
};
/** mpmath at 50 digits: tests/unit/fixtures/accounting-mpmath.py. */
const exact = JSON.parse(
  readFileSync(new URL('./fixtures/accounting-mpmath.json', import.meta.url), 'utf8'),
) as {
  mechanism: { eps: number; q: number; sigma: number; remove: number; add: number }[];
  gaussian: { sigma: number; steps: number; delta: number; exact: number; opacusConvention: number }[];
};

/** Opacus' PRV bound on random cases of the project's range (see the file's "about"). */
const opacusPort = JSON.parse(
  readFileSync(new URL('./fixtures/accounting-opacus-port.json', import.meta.url), 'utf8'),
) as { cases: { q: number; sigma: number; steps: number; delta: number; opacus: number }[] };

const tight = { epsError: 0, deltaError: 0 };
const phaseOf = (c: (typeof ref.cases)[number]): Phase[] => [
  { q: c.sample_rate_q, sigma: c.noise_multiplier_sigma, steps: c.steps },
];

describe('PRV accountant vs Opacus and Google on the published cases', () => {
  for (const c of ref.cases) {
    it(`${c.id}: within 1% of Opacus' PRV bound, never below Google's PLD`, () => {
      const eps = computeEpsilon(phaseOf(c), c.delta);
      expect(Math.abs(eps / c.eps_prv_opacus - 1)).toBeLessThan(0.01);
      expect(eps).toBeGreaterThanOrEqual(c.eps_pld_google * (1 - 0.005));
      // It is an upper bound: above the tight value, by Opacus' error terms (~0.01).
      expect(eps).toBeGreaterThan(c.eps_pld_google);
      expect(eps - c.eps_pld_google).toBeLessThan(0.0125);
    });

    it(`${c.id}: the tight value (no error terms) agrees with Google's PLD to 0.05%`, () => {
      const eps = prvEpsilon(phaseOf(c), c.delta, tight);
      expect(eps).toBeGreaterThan(c.eps_pld_google * (1 - 5e-4));
      expect(eps).toBeLessThan(c.eps_pld_google * (1 + 5e-4));
      if (c.eps_exact_gaussian !== undefined) expect(eps).toBeCloseTo(c.eps_exact_gaussian, 8);
    });
  }
});

describe("parity with Opacus' PRV bound across the range", () => {
  it('is within 0.1% of Opacus on random cases, tiny epsilons included', () => {
    for (const c of opacusPort.cases) {
      const eps = computeEpsilon([{ q: c.q, sigma: c.sigma, steps: c.steps }], c.delta);
      expect(Math.abs(eps / c.opacus - 1), JSON.stringify(c)).toBeLessThan(1e-3);
    }
  });

  it("reproduces Opacus' own bound (used below epsilon 0.25) to 1e-5", () => {
    for (const c of ref.cases)
      expect(Math.abs(opacusPrvEpsilon(phaseOf(c), [c.steps], c.delta)! / c.eps_prv_opacus - 1)).toBeLessThan(
        1e-5,
      );
    for (const c of opacusPort.cases.filter((x) => x.opacus < OPACUS_PARITY_BELOW)) {
      const eps = opacusPrvEpsilon([{ q: c.q, sigma: c.sigma, steps: c.steps }], [c.steps], c.delta);
      expect(Math.abs(eps! / c.opacus - 1), JSON.stringify(c)).toBeLessThan(1e-5);
    }
  });

  it("below epsilon 0.25 reports Opacus' bound, which is at least our tight bound", () => {
    for (const c of opacusPort.cases.filter((x) => x.opacus < OPACUS_PARITY_BELOW).slice(0, 4)) {
      const phases = [{ q: c.q, sigma: c.sigma, steps: c.steps }];
      const opacus = opacusPrvEpsilon(phases, [c.steps], c.delta)!;
      expect(computeEpsilon(phases, c.delta)).toBe(opacus);
      expect(opacus).toBeGreaterThanOrEqual(prvEpsilon(phases, c.delta, tight));
    }
    // Above the threshold our own bound is reported.
    const c = ref.cases[2];
    expect(computeEpsilon(phaseOf(c), c.delta)).toBe(
      prvEpsilon(phaseOf(c), c.delta, { opacusParity: false }),
    );
  });
});

describe('full batch (q = 1) against the exact Gaussian mechanism (mpmath)', () => {
  for (const g of exact.gaussian) {
    const phases = [{ q: 1, sigma: g.sigma, steps: g.steps }];
    it(`sigma ${g.sigma}, ${g.steps} steps, delta ${g.delta}: exact, and Opacus' convention by default`, () => {
      expect(Math.abs(prvEpsilon(phases, g.delta, tight) / g.exact - 1)).toBeLessThan(1e-9);
      const eps = computeEpsilon(phases, g.delta);
      expect(Math.abs(eps / g.opacusConvention - 1)).toBeLessThan(1e-9);
      expect(eps).toBeGreaterThan(g.exact);
      expect(eps - g.exact).toBeLessThan(0.0125 + 1e-4 * g.exact);
    });
  }

  it('the numerical path (discretisation + FFT) reproduces the exact values from above, to 0.1%', () => {
    for (const g of exact.gaussian) {
      const phases = [{ q: 1, sigma: g.sigma, steps: g.steps }];
      const eps = prvEpsilon(phases, g.delta, { ...tight, exactFullBatch: false });
      expect(eps, `sigma ${g.sigma} steps ${g.steps}`).toBeGreaterThanOrEqual(g.exact * (1 - 1e-9));
      expect(eps / g.exact - 1, `sigma ${g.sigma} steps ${g.steps}`).toBeLessThan(1e-3);
    }
  });

  it('several full-batch phases compose as one Gaussian with mu^2 = sum T_k / sigma_k^2', () => {
    const g = exact.gaussian[3]; // sigma 3, 100 steps: mu^2 = 100/9
    const phases = [
      { q: 1, sigma: 2, steps: 20 }, // 5
      { q: 1, sigma: Math.sqrt((6 * 9) / (100 - 45)), steps: 6 }, // 100/9 - 5
    ];
    expect(Math.abs(prvEpsilon(phases, g.delta, tight) / g.exact - 1)).toBeLessThan(1e-9);
  });
});

describe('one step of the subsampled Gaussian', () => {
  it('privacy curves in both orders match direct integration (mpmath) to 1e-10', () => {
    for (const m of exact.mechanism) {
      for (const dir of ['remove', 'add'] as Direction[]) {
        const got = stepCurve(m.eps, m.q, m.sigma, dir);
        const want = m[dir];
        if (want === 0) expect(got).toBe(0);
        else
          expect(Math.abs(got / want - 1), `${dir} eps=${m.eps} q=${m.q} s=${m.sigma}`).toBeLessThan(1e-10);
      }
    }
  });

  it('connect-the-dots PLD: a distribution whose curve equals the true one on the grid and lies above it between', () => {
    for (const [q, sigma, dir] of [
      [0.01, 1, 'remove'],
      [0.01, 1, 'add'],
      [0.3, 0.7, 'remove'],
    ] as [number, number, Direction][]) {
      const d = 0.01;
      const pmf = stepPmf(q, sigma, dir, d, -300, 800);
      const losses = Array.from(pmf.probs, (_, i) => (pmf.lo + i) * d);
      const total = pmf.probs.reduce((s, p) => s + p, 0) + pmf.infMass;
      expect(Math.abs(total - 1)).toBeLessThan(1e-12);
      // Hockey-stick divergence of the discrete PLD, summed directly.
      const discreteDelta = (eps: number) =>
        pmf.infMass + losses.reduce((s, y, i) => (y > eps ? s + pmf.probs[i] * -Math.expm1(eps - y) : s), 0);
      for (const eps of [-0.5, -0.01, 0, 0.02, 0.1, 0.5, 1.3, 3]) {
        expect(Math.abs(discreteDelta(eps) - stepCurve(eps, q, sigma, dir))).toBeLessThan(1e-12);
        const mid = eps + d / 2;
        expect(discreteDelta(mid)).toBeGreaterThanOrEqual(stepCurve(mid, q, sigma, dir) - 1e-15);
      }
    }
  });
});

describe('FFT composition against a naive convolution', () => {
  it('gives the same epsilon as convolving the discrete PLD step by step', () => {
    const d = 0.02;
    const pmf: StepPmf = stepPmf(0.2, 1.2, 'remove', d, -20, 400);
    const steps = 5;
    // Naive: repeated linear convolution of the finite parts; infinity mass composes as 1 - prod(1 - inf).
    let probs = Array.from(pmf.probs);
    let lo = pmf.lo;
    for (let t = 1; t < steps; t++) {
      const next = new Array<number>(probs.length + pmf.probs.length - 1).fill(0);
      probs.forEach((p, i) => {
        pmf.probs.forEach((r, j) => {
          next[i + j] += p * r;
        });
      });
      probs = next;
      lo += pmf.lo;
    }
    const inf = 1 - (1 - pmf.infMass) ** steps;
    const naiveDelta = (eps: number) =>
      inf + probs.reduce((s, p, i) => ((lo + i) * d > eps ? s + p * -Math.expm1(eps - (lo + i) * d) : s), 0);
    const delta = 1e-5;
    let a = 0;
    let b = 50;
    for (let i = 0; i < 100; i++) {
      const m = (a + b) / 2;
      if (naiveDelta(m) > delta) a = m;
      else b = m;
    }
    const composer = new PldComposer([pmf], [[steps]], 1e-16, 2 ** 20);
    // The window is far smaller than the full support: wraparound must not change the answer.
    expect(composer.size).toBeLessThan(probs.length);
    expect(Math.abs(composer.epsilon([steps], delta) - b)).toBeLessThan(1e-8);
  });
});

describe('behaviour over the parameter range', () => {
  it('epsilon grows with steps and q and falls with sigma (both accountants)', () => {
    for (const acc of ['prv', 'rdp'] as const) {
      const e = (q: number, sigma: number, steps: number) => computeEpsilon([{ q, sigma, steps }], 1e-5, acc);
      const bySteps = [10, 100, 1000, 5000].map((t) => e(0.01, 1, t));
      const byQ = [0.001, 0.01, 0.1, 1].map((q) => e(q, 1, 100));
      const bySigma = [0.6, 1, 2, 5].map((s) => e(0.01, s, 1000));
      for (let i = 1; i < 4; i++) {
        expect(bySteps[i], `${acc} steps`).toBeGreaterThan(bySteps[i - 1]);
        expect(byQ[i], `${acc} q`).toBeGreaterThan(byQ[i - 1]);
        expect(bySigma[i], `${acc} sigma`).toBeLessThan(bySigma[i - 1]);
      }
    }
  });

  it('across q 0.001..1, sigma 0.5..10, 1..1e5 steps, delta 1e-8..1e-3: below RDP, and converged', () => {
    const cases: [number, number, number, number][] = [
      [0.001, 0.5, 100, 1e-8],
      [0.001, 10, 100000, 1e-5],
      [0.004, 0.8, 20000, 1e-6],
      [0.01, 2, 1, 1e-3],
      [0.05, 1, 3000, 1e-5],
      [0.3, 4, 50, 1e-8],
      [0.999, 1.5, 10, 1e-5],
    ];
    for (const [q, sigma, steps, delta] of cases) {
      const phases = [{ q, sigma, steps }];
      const label = `q ${q} sigma ${sigma} steps ${steps} delta ${delta}`;
      const eps = prvEpsilon(phases, delta, tight);
      const fine = prvEpsilon(phases, delta, { ...tight, resolution: 64 });
      // A 4x finer grid nests in the default one: its bound can only be lower, and barely is.
      expect(eps, label).toBeGreaterThanOrEqual(fine - 1e-9);
      expect(eps - fine, label).toBeLessThan(2e-3 * fine + 1e-5);
      expect(eps, label).toBeLessThan(rdpEpsilon(phases, delta).epsilon);
    }
  });

  it('falls back to the (looser, still valid) RDP bound where float64 cannot resolve delta', () => {
    // At delta 1e-14 the FFT round-off exceeds delta; at 1e-8 it is far below (checked above: < RDP).
    const phases = [{ q: 0.001, sigma: 0.8, steps: 100_000 }];
    expect(computeEpsilon(phases, 1e-14)).toBe(rdpEpsilon(phases, 1e-14).epsilon);
    expect(computeEpsilon(phases, 1e-8)).toBeLessThan(rdpEpsilon(phases, 1e-8).epsilon);
  });

  it('q -> 1 joins the exact full-batch value continuously', () => {
    const g = exact.gaussian[4]; // sigma 5, 1000 steps, delta 1e-8
    const eps = prvEpsilon([{ q: 1 - 1e-9, sigma: g.sigma, steps: g.steps }], g.delta, tight);
    expect(eps / g.exact - 1).toBeGreaterThan(-1e-6);
    expect(eps / g.exact - 1).toBeLessThan(1e-3);
  });

  it("bounds both orders of the add/remove pair and reports the larger (here 'remove')", () => {
    const phases = [{ q: 0.01, sigma: 1, steps: 1000 }];
    const ev = new PrvEvaluator(phases, 1e-5, [[1000]], tight);
    const { remove, add } = ev.epsilonByDirection([1000]);
    expect(add).toBeGreaterThan(0);
    expect(add).toBeLessThan(remove);
    expect(ev.epsilon([1000])).toBe(Math.max(remove, add));
    // Full batch, computed numerically: the two orders coincide.
    const sym = new PrvEvaluator([{ q: 1, sigma: 2, steps: 7 }], 1e-5, [[7]], {
      ...tight,
      exactFullBatch: false,
    });
    const both = sym.epsilonByDirection([7]);
    expect(Math.abs(both.remove - both.add)).toBeLessThan(2e-3 * both.remove);
  });
});

describe('phases', () => {
  it('[A, B] with equal (q, sigma) equals one phase with the summed steps', () => {
    for (const acc of ['prv', 'rdp'] as const) {
      const split = computeEpsilon(
        [
          { q: 0.01, sigma: 1, steps: 300 },
          { q: 0.01, sigma: 1, steps: 700 },
        ],
        1e-5,
        acc,
      );
      const whole = computeEpsilon([{ q: 0.01, sigma: 1, steps: 1000 }], 1e-5, acc);
      expect(Math.abs(split / whole - 1), acc).toBeLessThan(1e-9);
    }
  });

  it('composition is order-free and costs more than either phase alone', () => {
    const a = { q: 0.02, sigma: 0.9, steps: 400 };
    const b = { q: 0.005, sigma: 2, steps: 3000 };
    for (const acc of ['prv', 'rdp'] as const) {
      const ab = computeEpsilon([a, b], 1e-6, acc);
      const ba = computeEpsilon([b, a], 1e-6, acc);
      expect(Math.abs(ab / ba - 1), acc).toBeLessThan(1e-4);
      expect(ab).toBeGreaterThan(computeEpsilon([a], 1e-6, acc));
      expect(ab).toBeGreaterThan(computeEpsilon([b], 1e-6, acc));
    }
  });
});

describe('epsilonCurve', () => {
  const phases = [
    { q: 0.004, sigma: 1.1, steps: 3000 },
    { q: 0.01, sigma: 0.8, steps: 2000 },
  ];
  const at = [0, 1, 10, 500, 2999, 3000, 3001, 4000, 5000];

  it('matches computeEpsilon on each prefix of the run (and equals it at the end), never decreasing', () => {
    for (const acc of ['prv', 'rdp'] as const) {
      const curve = epsilonCurve(phases, 1e-5, at, acc);
      expect(curve[0]).toBe(0);
      at.forEach((t, i) => {
        if (t === 0) return;
        const prefix = [{ ...phases[0], steps: Math.min(t, 3000) }];
        if (t > 3000) prefix.push({ ...phases[1], steps: t - 3000 });
        // Before the end, points skip the Opacus-parity check (it only matters below epsilon 0.25).
        const end = t === 5000;
        const want =
          acc === 'rdp' || end
            ? computeEpsilon(prefix, 1e-5, acc)
            : prvEpsilon(prefix, 1e-5, { opacusParity: false });
        if (end) expect(curve[i]).toBe(want);
        expect(Math.abs(curve[i] / want - 1), `${acc} t=${t}`).toBeLessThan(acc === 'rdp' ? 1e-12 : 1e-4);
        if (i > 0) expect(curve[i], `${acc} t=${t}`).toBeGreaterThanOrEqual(curve[i - 1]);
      });
    }
  });

  it('accepts points in any order and repeats', () => {
    const sorted = epsilonCurve(phases, 1e-5, [100, 2000, 4500]);
    const shuffled = epsilonCurve(phases, 1e-5, [4500, 100, 2000, 100]);
    expect(shuffled[0]).toBeCloseTo(sorted[2], 10);
    expect(shuffled[1]).toBeCloseTo(sorted[0], 10);
    expect(shuffled[2]).toBeCloseTo(sorted[1], 10);
    expect(shuffled[3]).toBeCloseTo(sorted[0], 10);
  });
});
