/**
 * The one-run epsilon lower bound of Steinke, Nasr & Jagielski 2023 ("Privacy Auditing with One (1)
 * Training Run", NeurIPS 2023), exactly their Theorem/Appendix D procedure:
 * m canaries are each included independently with probability 1/2; the auditor guesses the
 * inclusion bit of r of them (abstaining on the rest) and v guesses are right. If the training is
 * (eps, delta)-DP, P[v or more right] <= p(eps) with
 *   q     = e^eps / (1 + e^eps)                      (the accuracy of eps-DP randomised response)
 *   beta  = P[Binomial(r, q) >= v]
 *   alpha = max_{i = 1..v} P[v > Binomial(r, q) >= v - i] / i
 *   p     = min(1, beta + 2 m delta alpha).
 * The lower bound at confidence 1 - a is the largest eps with p(eps) < a: every claim (eps', delta)
 * with eps' below it is rejected at level a.
 */
import { binomialPmfs } from './stats';

export interface OneRunCounts {
  /** Canaries, each included with probability 1/2. */
  m: number;
  /** Guesses made (abstentions excluded). */
  guesses: number;
  /** Correct guesses. */
  correct: number;
}

function checkCounts({ m, guesses, correct }: OneRunCounts): void {
  const ints = [m, guesses, correct].every(Number.isInteger);
  if (!ints || correct < 0 || correct > guesses || guesses > m)
    throw new Error(
      `one-run audit needs integers 0 <= correct <= guesses <= m, got ${correct}, ${guesses}, ${m}`,
    );
}

/** p-value of `correct` or more right guesses under (eps, delta)-DP (Appendix D's p_value_DP_audit). */
export function steinkePValue(counts: OneRunCounts, eps: number, delta: number): number {
  checkCounts(counts);
  if (!(eps >= 0)) throw new Error(`eps must be >= 0, got ${eps}`);
  if (!(delta >= 0 && delta <= 1)) throw new Error(`delta must be in [0, 1], got ${delta}`);
  const { m, guesses: r, correct: v } = counts;
  const q = 1 / (1 + Math.exp(-eps));
  const pmf = binomialPmfs(r, q);
  let beta = 0;
  for (let k = r; k >= v; k--) beta += pmf[k];
  if (delta === 0) return Math.min(beta, 1);
  let alpha = 0;
  let below = 0; // P[v > Binomial(r, q) >= v - i]
  for (let i = 1; i <= v; i++) {
    below += pmf[v - i];
    if (below > i * alpha) alpha = below / i;
  }
  return Math.min(beta + alpha * delta * 2 * m, 1);
}

/**
 * Largest eps whose p-value stays below `significance` (0 when even eps = 0 is not rejected), to
 * 1e-9 by bisection (Appendix D's get_eps_audit, with a finer tolerance).
 */
export function steinkeEpsilon(counts: OneRunCounts, delta: number, significance: number): number {
  if (!(significance > 0 && significance < 1))
    throw new Error(`significance must be in (0, 1), got ${significance}`);
  const rejected = (eps: number) => steinkePValue(counts, eps, delta) < significance;
  if (!rejected(0)) return 0;
  let lo = 0;
  let hi = 1;
  while (rejected(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 1e4) return Number.POSITIVE_INFINITY;
  }
  while (hi - lo > 1e-9 * Math.max(1, hi)) {
    const mid = 0.5 * (lo + hi);
    if (rejected(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
