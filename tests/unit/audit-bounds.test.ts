import { describe, expect, it } from 'vitest';
import { countGuesses, epsilonLowerBound, guessHypotheses, steinkeApplies } from '../../src/audit/bound';
import { fdpLeakBound, fdpRejects, gaussianBlowUpInverse } from '../../src/audit/fdp';
import { logGamma, normPpf } from '../../src/audit/stats';
import { steinkeEpsilon, steinkePValue } from '../../src/audit/steinke';
import { dpsgdFamily, gaussianFamily, profileBlowUpInverse, upperEnvelope } from '../../src/audit/tradeoff';
import { computeEpsilon } from '../../src/dp/accounting/index';
import { stepCurve } from '../../src/dp/accounting/mechanism';
import { PrvEvaluator } from '../../src/dp/accounting/prv';
import { normCdf } from '../../src/dp/accounting/special';
import { seededRandom } from './helpers/random';

/**
 * Reference values from Python 3 + scipy 1.17.1: Steinke et al.'s Appendix D code (p_value_DP_audit,
 * get_eps_audit with 60 bisection steps) and the f-DP recursion of Mahloujifar et al. as published
 * with their code (rh_with_cap / audit_rh_with_cap, Gaussian blow-up Phi(Phi^-1(x) - mu), bisection
 * on mu, epsilon by the GDP curve). Columns: m, guesses r, correct v, delta, significance p.
 */
const REFERENCE = [
  {
    m: 1000,
    r: 100,
    v: 100,
    delta: 1e-5,
    p: 0.05,
    p1: 0.0005633089840961709,
    steinke: 3.4653763478110453,
    mu: 1.2255334524342218,
    fdp: 5.549027897691245,
  },
  {
    m: 1000,
    r: 100,
    v: 90,
    delta: 1e-5,
    p: 0.05,
    p1: 0.0008412885614385305,
    steinke: 1.6261434806957262,
    mu: 0.6025036074388626,
    fdp: 2.4564048930385387,
  },
  {
    m: 1000,
    r: 300,
    v: 250,
    delta: 1e-6,
    p: 0.05,
    p1: 6.441693515969385e-5,
    steinke: 1.34812279343579,
    mu: 0.5540504372611227,
    fdp: 2.5237287034933757,
  },
  {
    m: 10000,
    r: 625,
    v: 623,
    delta: 1e-5,
    p: 0.05,
    p1: 0.0010397724487317625,
    steinke: 4.466983999598846,
    mu: 1.4232183337548197,
    fdp: 6.622814688809153,
  },
  {
    m: 5000,
    r: 1000,
    v: 900,
    delta: 0,
    p: 0.01,
    p1: 3.0406300337844877e-40,
    steinke: 1.9533749742792934,
    mu: 0.6265084067578675,
    fdp: null,
  },
  {
    m: 200,
    r: 50,
    v: 45,
    delta: 1e-4,
    p: 0.1,
    p1: 0.006124593655070254,
    steinke: 1.5212360017764273,
    mu: 0.6846373259998969,
    fdp: 2.439290753445161,
  },
];

/** Independent float64 transcription of Appendix D: binomial terms by exact products (no logs). */
function naivePValue(m: number, r: number, v: number, eps: number, delta: number): number {
  const q = 1 / (1 + Math.exp(-eps));
  const pmf = (k: number) => {
    let c = 1;
    for (let i = 1; i <= k; i++) c = (c * (r - k + i)) / i;
    return c * q ** k * (1 - q) ** (r - k);
  };
  let beta = 0;
  for (let k = v; k <= r; k++) beta += pmf(k);
  let alpha = 0;
  let sum = 0;
  for (let i = 1; i <= v; i++) {
    sum += pmf(v - i);
    alpha = Math.max(alpha, sum / i);
  }
  return Math.min(1, beta + alpha * delta * 2 * m);
}

/** Independent transcription of the authors' recursion (arrays r[], h[] as published). */
function naiveRejects(inv: (y: number) => number, m: number, c: number, cap: number, tau: number): boolean {
  const h = new Array<number>(c + 1).fill(0);
  const r = new Array<number>(c + 1).fill(0);
  h[c] = (tau * (cap - c)) / m;
  r[c] = (tau * c) / m;
  for (let i = c - 1; i >= 0; i--) {
    h[i] = Math.max(h[i + 1], inv(r[i + 1]));
    r[i] = Math.min(1, r[i + 1] + (i / (cap - i)) * (h[i] - h[i + 1]));
  }
  return r[0] + h[0] > cap / m;
}

describe('special functions', () => {
  it('logGamma matches factorials and the half-integer value', () => {
    let f = 0;
    for (let n = 1; n < 170; n++) {
      f += Math.log(n);
      expect(logGamma(n + 1)).toBeCloseTo(f, 9);
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });

  it('normPpf inverts the normal CDF from 1e-300 to 1 - 1e-15', () => {
    for (const p of [1e-300, 1e-100, 1e-20, 1e-8, 0.001, 0.02, 0.3, 0.5, 0.77, 0.999, 1 - 1e-12]) {
      expect(normCdf(normPpf(p)) / p).toBeCloseTo(1, 10);
    }
    expect(normPpf(0.975)).toBeCloseTo(1.959963984540054, 13);
  });
});

describe("Steinke et al.'s one-run bound", () => {
  it.each(REFERENCE)('matches the paper code: m $m, $v of $r correct', (c) => {
    const counts = { m: c.m, guesses: c.r, correct: c.v };
    expect(steinkePValue(counts, 1, c.delta) / c.p1).toBeCloseTo(1, 10);
    expect(steinkeEpsilon(counts, c.delta, c.p)).toBeCloseTo(c.steinke, 7);
  });

  it('equals an independent float64 transcription over a grid', () => {
    for (const [m, r, v] of [
      [50, 20, 17],
      [400, 60, 41],
      [1000, 150, 149],
    ])
      for (const eps of [0, 0.3, 1.7, 4])
        for (const delta of [0, 1e-5, 1e-3])
          expect(steinkePValue({ m, guesses: r, correct: v }, eps, delta)).toBeCloseTo(
            naivePValue(m, r, v, eps, delta),
            12,
          );
  });

  it('rejects nothing when guesses are at chance', () => {
    expect(steinkeEpsilon({ m: 1000, guesses: 200, correct: 100 }, 1e-5, 0.05)).toBe(0);
  });
});

describe("Mahloujifar et al.'s f-DP one-run bound", () => {
  it.each(REFERENCE)('matches the paper code (Gaussian claims): m $m, $v of $r correct', (c) => {
    const counts = { m: c.m, guesses: c.r, correct: c.v };
    const { leak } = fdpLeakBound(gaussianFamily(Math.max(c.delta, 1e-300)), [counts], c.p);
    // The leak lattice is 2^(1/256) apart and the search returns a rejected point: just below.
    expect(leak).toBeLessThanOrEqual(c.mu * 1.0001);
    expect(leak).toBeGreaterThan(c.mu / 2 ** (1 / 256) - 1e-6);
    if (c.fdp !== null) expect(gaussianFamily(c.delta).epsilon(leak) / c.fdp).toBeCloseTo(1, 2);
  });

  it('agrees with an independent transcription of the recursion', () => {
    for (const mu of [0.2, 0.9, 2.5])
      for (const [m, cap, c] of [
        [100, 30, 25],
        [1000, 200, 180],
        [1000, 64, 64],
        [5000, 700, 500],
      ])
        for (const tau of [0.05, 0.002])
          expect(fdpRejects(gaussianBlowUpInverse(mu), { m, guesses: cap, correct: c }, tau)).toBe(
            naiveRejects(gaussianBlowUpInverse(mu), m, c, cap, tau),
          );
  });
});

describe('trade-off curves from a privacy profile', () => {
  it('upperEnvelope is the maximum of its lines', () => {
    const rnd = seededRandom(7);
    const lines = Array.from({ length: 60 }, () => ({ a: 0.01 + 5 * rnd(), b: -3 * rnd() }));
    const f = upperEnvelope(lines);
    for (let i = 0; i <= 200; i++) {
      const y = i / 200;
      const brute = Math.max(0, ...lines.map((l) => l.a * y + l.b));
      expect(f(y)).toBeCloseTo(Math.min(y, brute), 12);
    }
  });

  it('the (eps, delta) curve gives max(0, (y - delta) e^-eps, 1 - delta - e^eps (1 - y))', () => {
    const f = profileBlowUpInverse([1.5], [0.01]);
    for (const y of [0, 0.005, 0.3, 0.9, 0.99, 1])
      expect(f(y)).toBeCloseTo(
        Math.min(y, Math.max(0, (y - 0.01) * Math.exp(-1.5), 1 - 0.01 - Math.exp(1.5) * (1 - y))),
        12,
      );
  });

  it('the PRV privacy profile bounds the exact one-step curve, tightly, and matches the accountant', () => {
    const q = 0.3;
    const sigma = 1.1;
    const epsilons = [0, 0.25, 0.5, 1, 2, 3];
    const profile = new PrvEvaluator([{ q, sigma, steps: 1 }], 1e-10, [[1]], {
      epsError: 0,
      deltaError: 0,
    }).privacyProfile([1], epsilons);
    epsilons.forEach((e, i) => {
      const exact = Math.max(stepCurve(e, q, sigma, 'remove'), stepCurve(e, q, sigma, 'add'));
      expect(profile[i]).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
      expect(profile[i]).toBeLessThan(exact * 1.01 + 1e-9);
    });
    // Many steps: delta(eps(delta0)) = delta0 at the accountant's own epsilon (without its error terms).
    const phases = [{ q: 0.05, sigma: 0.9, steps: 200 }];
    const delta0 = 1e-5;
    const eps = computeEpsilon(phases, delta0) - 0.01;
    const ev = new PrvEvaluator(phases, 1e-10, [[200]], { epsError: 0, deltaError: 0 });
    const [d] = ev.privacyProfile([200], [eps]);
    expect(d / (delta0 * 0.999)).toBeCloseTo(1, 1);
  });

  it('a weaker DP-SGD claim (less noise) has a pointwise smaller fbar^-1', () => {
    const fam = dpsgdFamily({ q: 0.4, steps: 5, delta: 1e-3 });
    for (const y of [1e-4, 0.01, 0.2, 0.7])
      expect(fam.inverse(1 / 0.8)(y)).toBeLessThan(fam.inverse(1 / 1.5)(y));
    expect(fam.epsilon(1 / 1.5)).toBeCloseTo(computeEpsilon([{ q: 0.4, sigma: 1.5, steps: 5 }], 1e-3), 12);
  });
});

describe('guesses from scores', () => {
  it('counts correct guesses of the top and bottom scores (hand example)', () => {
    const scores = [5, 1, 4, 0, 3, 2, 3];
    const inc = [true, false, false, false, true, true, false];
    // Order (ties by index): 0(5,in) 2(4,out) 4(3,in) 6(3,out) 5(2,in) 1(1,out) 3(0,out)
    const [a, b, c] = countGuesses(scores, inc, [
      { top: 3, bottom: 0 },
      { top: 1, bottom: 2 },
      { top: 7, bottom: 0 },
    ]);
    expect(a).toEqual({ m: 7, guesses: 3, correct: 2 });
    expect(b).toEqual({ m: 7, guesses: 3, correct: 3 });
    expect(c).toEqual({ m: 7, guesses: 7, correct: 3 });
  });

  it('the hypothesis grid depends on m only, and every hypothesis is tested at the Bonferroni level', () => {
    expect(guessHypotheses(64)).toEqual([
      { top: 32, bottom: 0 },
      { top: 16, bottom: 16 },
      { top: 16, bottom: 0 },
      { top: 8, bottom: 8 },
      { top: 8, bottom: 0 },
      { top: 4, bottom: 4 },
    ]);
    const scores = Array.from({ length: 64 }, (_, i) => i);
    const inc = scores.map((i) => i >= 32);
    const b = epsilonLowerBound(scores, inc, { delta: 1e-5, family: gaussianFamily(1e-5) });
    expect(b.tests).toBe(12);
    // Perfect separation: the best Steinke bound is that of 32 of 32 correct at 0.05 / 12.
    expect(b.byAnalysis.steinke).toBeCloseTo(
      steinkeEpsilon({ m: 64, guesses: 32, correct: 32 }, 1e-5, 0.05 / 12),
      9,
    );
    expect(b.epsilon).toBeGreaterThanOrEqual(b.byAnalysis.steinke);
  });

  it("Steinke et al.'s analysis is skipped where 2 m delta >= 1 (it cannot reject there), leaving f-DP the whole level", () => {
    expect(steinkeApplies(64, 1e-5)).toBe(true);
    expect(steinkeApplies(10000, 8e-4)).toBe(false);
    const m = 2000;
    const scores = Array.from({ length: m }, (_, i) => i);
    const inc = scores.map((i) => i >= m / 2);
    const family = gaussianFamily(1e-3);
    const one = [{ top: 64, bottom: 0 }];
    const b = epsilonLowerBound(scores, inc, { delta: 1e-3, family, hypotheses: one });
    expect(b.tests).toBe(1);
    expect(b.analysis).toBe('fdp');
    expect(b.byAnalysis.steinke).toBe(0);
    // Even where it is skipped, it would have said nothing: 64 of 64 right, m delta = 2.
    expect(steinkeEpsilon({ m, guesses: 64, correct: 64 }, 1e-3, 0.05)).toBe(0);
    // The f-DP test then runs at 0.05 (not 0.025): the same as a direct call.
    const direct = fdpLeakBound(family, [{ m, guesses: 64, correct: 64 }], 0.05);
    expect(b.epsilon).toBeCloseTo(family.epsilon(direct.leak), 12);
  });
});
