/**
 * guess-plan.ts: the white-box audit's one guess count, chosen from the claim alone. Checked
 * against cases whose answer follows by hand: with (almost) no noise every signalled canary
 * scores ~1 and every other ~0, so "guess IN for the top k" is all right exactly while k is at most
 * the number of signalled canaries (~ m q / 2), and the pilot's bound for k of k right is the f-DP
 * analysis of those counts alone, at the level the audit will test it.
 */
import { describe, expect, it } from 'vitest';
import { fdpLeakBound } from '../../src/audit/fdp';
import { idealScores, logLikelihoodRatio, pilotGuessCounts, planGuesses } from '../../src/audit/guess-plan';
import { gaussianFamily } from '../../src/audit/tradeoff';
import { seededRandom } from './helpers/random';

const m = 1000;
/** The f-DP bound (an epsilon) of k guesses, all right, among m canaries. */
const allRight = (delta: number, k: number, level: number) => {
  const family = gaussianFamily(delta);
  return family.epsilon(fdpLeakBound(family, [{ m, guesses: k, correct: k }], level).leak);
};

describe('the guess counts the pilot tries', () => {
  it('8 * sqrt(2)^j rounded, up to m / 2 (hand values); m / 2 alone when even 8 is too many', () => {
    expect(pilotGuessCounts(100)).toEqual([8, 11, 16, 23, 32, 45]);
    expect(pilotGuessCounts(1000)).toEqual([8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362]);
    expect(pilotGuessCounts(10)).toEqual([5]);
  });
});

describe('the claimed subsampled Gaussian log-likelihood ratio', () => {
  it('equals log(1 - q + q exp((2x - 1) / (2 sigma^2))) and does not overflow', () => {
    const direct = (x: number, q: number, s: number) =>
      Math.log(1 - q + q * Math.exp((2 * x - 1) / (2 * s * s)));
    for (const [x, q, s] of [
      [0.3, 0.4, 1.2],
      [-2, 0.1, 0.8],
      [3, 1, 2],
      [0.5, 0.7, 0.5], // x = 1/2: the ratio is exactly 1 (log 0)
    ])
      expect(logLikelihoodRatio(x, q, s)).toBeCloseTo(direct(x, q, s), 12);
    expect(logLikelihoodRatio(0.5, 0.7, 0.5)).toBe(0);
    // Far in the tail exp overflows; the ratio is z + log q there.
    expect(logLikelihoodRatio(1000, 0.5, 1)).toBeCloseTo(999.5 + Math.log(0.5), 9);
    expect(logLikelihoodRatio(-1000, 0.5, 1)).toBeCloseTo(Math.log(0.5), 12);
  });

  it('idealScores: included canaries carry the signal, excluded ones only noise (q = 1, sigma tiny)', () => {
    const { scores, included } = idealScores(
      { q: 1, sigma: 1e-6, steps: 3 },
      200,
      'aligned',
      seededRandom(3),
    );
    included.forEach((inc, i) => {
      expect(scores[i]).toBeCloseTo(inc ? 3 : 0, 4);
    });
    expect(included.filter(Boolean).length).toBeGreaterThan(70);
    expect(included.filter(Boolean).length).toBeLessThan(130);
  });
});

describe('the planned guess count (hand-computed cases)', () => {
  const plan = (q: number, sigma: number, delta: number) =>
    planGuesses({ q, sigma, steps: 1 }, gaussianFamily(delta), m, 'aligned', { delta, confidence: 0.95 });

  it('no noise, every included canary seen: the largest count (362), its bound that of 362 of 362 right', () => {
    // delta 1e-3: 2 m delta = 2, so Steinke et al.'s analysis is skipped and f-DP gets all of 0.05.
    const p = plan(1, 1e-3, 1e-3);
    expect(p.hypotheses).toEqual([{ top: 362, bottom: 0 }]);
    expect(p.pilotMedian).toBeCloseTo(allRight(1e-3, 362, 0.05), 12);
  });

  it('the level follows the audit: with Steinke et al. in play (2 m delta < 1) f-DP gets 0.025', () => {
    const p = plan(1, 1e-3, 1e-5);
    expect(p.hypotheses).toEqual([{ top: 362, bottom: 0 }]);
    expect(p.pilotMedian).toBeCloseTo(allRight(1e-5, 362, 0.025), 12);
    expect(p.pilotMedian).toBeLessThan(allRight(1e-5, 362, 0.05));
  });

  it('q = 0.2: ~100 canaries signalled, so the largest count below 100 (91), not the largest count', () => {
    const p = plan(0.2, 1e-3, 1e-3);
    expect(p.hypotheses).toEqual([{ top: 91, bottom: 0 }]);
    expect(p.pilotMedian).toBeCloseTo(allRight(1e-3, 91, 0.05), 12);
    // More guesses would have been better had they been right: the choice really is the pilot's.
    expect(allRight(1e-3, 128, 0.05)).toBeGreaterThan(p.pilotMedian);
  });

  it('no signal at all: every count bounds 0, so the first (8) with a median of 0', () => {
    const p = plan(1, 1e6, 1e-3);
    expect(p).toEqual({ hypotheses: [{ top: 8, bottom: 0 }], pilotMedian: 0 });
  });
});
