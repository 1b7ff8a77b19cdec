/**
 * The white-box audit's guesses, fixed before it sees a score. A grid of guess counts tested with
 * a Bonferroni correction pays for every count it tries (the best of 26 tests is tested at level
 * 0.05 / 26); a single count tested at the full level is tighter, provided that the count does not
 * depend on the audit's scores. So the count is chosen from the claim alone: simulate the claimed
 * mechanism itself on m Dirac canaries (each included with probability 1/2; at each of T steps an
 * included canary is sampled with probability q and adds 1, plus N(0, sigma^2) noise), score them
 * as the audit will, and take the count k ("guess IN for the k highest scores") whose median bound
 * over the pilot runs is largest. The pilot's randomness is a fixed public seed, so k is a function
 * of (q, sigma, T, delta, m, score) that anyone can recompute; the audit's own randomness never
 * enters it.
 */

import { seededUniform } from '../random/seeded';
import { countGuesses, type GuessHypothesis, steinkeApplies } from './bound';
import { type ClaimFamily, fdpLeakBound } from './fdp';

export type IdealScore = 'aligned' | 'likelihood';

/** The claimed DP-SGD mechanism as one canary sees it. */
export interface IdealMechanism {
  q: number;
  sigma: number;
  steps: number;
}

/** log((1 - q) N(x; 0, s^2) + q N(x; 1, s^2)) - log N(x; 0, s^2), overflow-free. */
export function logLikelihoodRatio(x: number, q: number, sigma: number): number {
  const z = (2 * x - 1) / (2 * sigma * sigma);
  return z > 0 ? z + Math.log(q + (1 - q) * Math.exp(-z)) : Math.log1p(q * Math.expm1(z));
}

/** Scores of m canaries under exactly the claimed mechanism (a soundness and planning simulation). */
export function idealScores(
  mech: IdealMechanism,
  m: number,
  score: IdealScore,
  uniform: () => number,
): { scores: Float64Array; included: boolean[] } {
  const included = Array.from({ length: m }, () => uniform() < 0.5);
  const scores = new Float64Array(m);
  for (let i = 0; i < m; i++)
    for (let t = 0; t < mech.steps; t++) {
      const signal = included[i] && uniform() < mech.q ? 1 : 0;
      // Box-Muller (one of the pair): the pilot needs no more than plain normals.
      const noise = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
      const x = signal + mech.sigma * noise;
      scores[i] += score === 'aligned' ? x : logLikelihoodRatio(x, mech.q, mech.sigma);
    }
  return { scores, included };
}

/** Guess counts tried by the pilot: 8, 11, 16, 23, ... (steps of sqrt 2) up to m / 2. */
export function pilotGuessCounts(m: number): number[] {
  const out: number[] = [];
  for (let j = 0; ; j++) {
    const k = Math.round(8 * 2 ** (j / 2));
    if (k > m / 2) break;
    out.push(k);
  }
  return out.length ? out : [Math.max(1, Math.floor(m / 2))];
}

export interface GuessPlan {
  hypotheses: GuessHypothesis[];
  /** The pilot's median bound at the chosen count (what the audit of correct code should give). */
  pilotMedian: number;
}

export const PILOT_RUNS = 9;
/** Public and fixed: the plan is a function of the claim only. */
const PILOT_SEED = 20231;

/**
 * One pre-registered hypothesis for m canaries under this claim, at the significance each test of
 * the audit will get (Steinke et al.'s analysis, where it applies, shares the level with f-DP).
 */
export function planGuesses(
  mech: IdealMechanism,
  family: ClaimFamily,
  m: number,
  score: IdealScore,
  options: { delta: number; confidence: number; runs?: number },
): GuessPlan {
  const tests = steinkeApplies(m, options.delta) ? 2 : 1;
  const level = (1 - options.confidence) / tests;
  const ks = pilotGuessCounts(m);
  const hypotheses = ks.map((k) => ({ top: k, bottom: 0 }));
  const uniform = seededUniform(PILOT_SEED);
  const bounds: number[][] = ks.map(() => []);
  for (let r = 0; r < (options.runs ?? PILOT_RUNS); r++) {
    const { scores, included } = idealScores(mech, m, score, uniform);
    countGuesses(scores, included, hypotheses).forEach((c, j) => {
      const { leak, index } = fdpLeakBound(family, [c], level);
      bounds[j].push(index >= 0 ? family.epsilon(leak) : 0);
    });
  }
  const medians = bounds.map((b) => [...b].sort((x, y) => x - y)[Math.floor(b.length / 2)]);
  let best = 0;
  medians.forEach((v, j) => {
    if (v > medians[best]) best = j;
  });
  return { hypotheses: [hypotheses[best]], pilotMedian: medians[best] };
}
