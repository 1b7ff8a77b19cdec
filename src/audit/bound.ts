/**
 * From canary scores to one epsilon lower bound. The guesses are fixed before the scores are seen:
 * hypotheses "guess IN for the k+ highest scores and OUT for the k- lowest" (by default a small
 * grid: one-sided k- = 0 and symmetric k+ = k-, total guesses m/2, m/4, ... down to 8; the
 * white-box audit passes the one its pilot chose, guess-plan.ts), and two analyses (Steinke et
 * al.'s for (eps, delta), where it can reject anything, and Mahloujifar et al.'s f-DP for a claim
 * family). Each of the hypotheses x analyses is tested at level (1 - confidence) / (their number)
 * (Bonferroni), so the best of them is a valid lower bound at the stated confidence.
 */
import { type ClaimFamily, fdpLeakBound } from './fdp';
import { type OneRunCounts, steinkeEpsilon } from './steinke';

export interface GuessHypothesis {
  /** Canaries with the highest scores guessed IN. */
  top: number;
  /** Canaries with the lowest scores guessed OUT. */
  bottom: number;
}

/** The fixed hypothesis grid for m canaries (no dependence on the scores). */
export function guessHypotheses(m: number): GuessHypothesis[] {
  const out: GuessHypothesis[] = [];
  for (let k = Math.floor(m / 2); k >= 8; k = Math.floor(k / 2)) {
    out.push({ top: k, bottom: 0 });
    out.push({ top: Math.floor(k / 2), bottom: k - Math.floor(k / 2) });
  }
  if (out.length === 0 && m >= 2) out.push({ top: Math.max(1, Math.floor(m / 2)), bottom: 0 });
  return out;
}

/** Guesses and correct guesses of each hypothesis (ties broken by canary index, never by membership). */
export function countGuesses(
  scores: ArrayLike<number>,
  included: ArrayLike<boolean>,
  hypotheses: readonly GuessHypothesis[],
): OneRunCounts[] {
  const m = scores.length;
  if (included.length !== m) throw new Error(`${m} scores but ${included.length} membership bits`);
  for (let i = 0; i < m; i++)
    if (!Number.isFinite(scores[i])) throw new Error(`canary ${i} has a non-finite score ${scores[i]}`);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  // inTop[k] = members among the k highest; outBottom[k] = non-members among the k lowest.
  const inTop = new Int32Array(m + 1);
  const outBottom = new Int32Array(m + 1);
  for (let k = 0; k < m; k++) {
    inTop[k + 1] = inTop[k] + (included[order[k]] ? 1 : 0);
    outBottom[k + 1] = outBottom[k] + (included[order[m - 1 - k]] ? 0 : 1);
  }
  return hypotheses.map(({ top, bottom }) => {
    if (top + bottom > m) throw new Error(`hypothesis guesses ${top + bottom} of ${m} canaries`);
    return { m, guesses: top + bottom, correct: inTop[top] + outBottom[bottom] };
  });
}

export type AnalysisName = 'steinke' | 'fdp';

/**
 * Whether Steinke et al.'s analysis can say anything: its p-value carries 2 m delta times a
 * probability, so with 2 m delta >= 1 it rejects nothing in practice (the audit's usual case:
 * thousands of canaries at delta ~ 1e-3). Skipping it then depends on m and delta only, never on
 * the scores, and leaves the whole significance to the f-DP analysis.
 */
export function steinkeApplies(m: number, delta: number): boolean {
  return 2 * m * delta < 1;
}

export interface LowerBound {
  /** The epsilon lower bound (0 when nothing is rejected). */
  epsilon: number;
  confidence: number;
  /** The analysis and hypothesis behind `epsilon`. */
  analysis: AnalysisName;
  guesses: number;
  correct: number;
  /** Best bound of each analysis on its own (same Bonferroni level). */
  byAnalysis: Record<AnalysisName, number>;
  /** Hypotheses x analyses tested (the Bonferroni divisor). */
  tests: number;
}

export interface BoundOptions {
  delta: number;
  /** Default 0.95. */
  confidence?: number;
  /** Claim family for the f-DP analysis; without one only Steinke et al.'s analysis runs. */
  family?: ClaimFamily;
  hypotheses?: GuessHypothesis[];
}

/** The audit's epsilon lower bound from scores (higher = more likely IN) and true membership. */
export function epsilonLowerBound(
  scores: ArrayLike<number>,
  included: ArrayLike<boolean>,
  options: BoundOptions,
): LowerBound {
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1), got ${confidence}`);
  const hypotheses = options.hypotheses ?? guessHypotheses(scores.length);
  const counts = countGuesses(scores, included, hypotheses);
  const steinke = !options.family || steinkeApplies(scores.length, options.delta);
  const tests = hypotheses.length * ((steinke ? 1 : 0) + (options.family ? 1 : 0));
  const level = (1 - confidence) / Math.max(1, tests);
  let best = { epsilon: 0, analysis: (steinke ? 'steinke' : 'fdp') as AnalysisName, index: 0 };
  let steinkeBest = 0;
  if (steinke)
    counts.forEach((c, index) => {
      const eps = steinkeEpsilon(c, options.delta, level);
      if (eps > steinkeBest) steinkeBest = eps;
      if (eps > best.epsilon) best = { epsilon: eps, analysis: 'steinke', index };
    });
  let fdpBest = 0;
  if (options.family && counts.length) {
    const { leak, index } = fdpLeakBound(options.family, counts, level);
    fdpBest = index >= 0 ? options.family.epsilon(leak) : 0;
    if (fdpBest > best.epsilon) best = { epsilon: fdpBest, analysis: 'fdp', index };
  }
  const chosen = counts[best.index] ?? { guesses: 0, correct: 0 };
  return {
    epsilon: best.epsilon,
    confidence,
    analysis: best.analysis,
    guesses: chosen.guesses,
    correct: chosen.correct,
    byAnalysis: { steinke: steinkeBest, fdp: fdpBest },
    tests,
  };
}
