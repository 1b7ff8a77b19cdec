/**
 * The one-run f-DP analysis of Mahloujifar, Melis & Chaudhuri 2025 ("Auditing f-Differential
 * Privacy in One Run", ICML 2025), their Algorithm 3 (`audit_rh_with_cap`, guesses with abstention,
 * alphabet k = 2): with m canaries (each in with probability 1/2), c' guesses and c correct, start
 * from r_c = a c / m and h_c = a (c' - c) / m (a the significance) and for i = c-1 .. 0
 *   h_i = max(h_{i+1}, fbar^{-1}(r_{i+1})),   r_i = r_{i+1} + i / (c' - i) * (h_i - h_{i+1}),
 * where fbar(x) = 1 - f(x) is the claimed curve's "blow-up" (the most probability a set of
 * probability x can have in the neighbouring world) and fbar^{-1} its inverse. If r_0 + h_0 > c'/m,
 * c or more correct guesses have probability < a under the claim: the claim is rejected.
 *
 * A claim family orders claims by one "leak" parameter (larger = weaker claim, e.g. the Gaussian
 * mu, or 1/sigma for DP-SGD); the lower bound is the epsilon of the weakest rejected claim.
 */

import { normCdf } from '../dp/accounting/special';
import { normPpf } from './stats';
import type { OneRunCounts } from './steinke';

/** fbar^{-1}(y): the least probability, in one world, of a set that has probability y in the other. */
export type BlowUpInverse = (y: number) => number;

/** Algorithm 3 of Mahloujifar et al.: whether `counts` rejects the claim with this fbar^{-1}. */
export function fdpRejects(inverse: BlowUpInverse, counts: OneRunCounts, significance: number): boolean {
  const { m, guesses, correct } = counts;
  if (correct === 0) return false;
  let r = (significance * correct) / m;
  let h = (significance * (guesses - correct)) / m;
  for (let i = correct - 1; i >= 0; i--) {
    const hNext = Math.max(h, inverse(r));
    if (hNext === h) break; // nothing changes any more (r only moves with h)
    r = Math.min(r + (i / (guesses - i)) * (hNext - h), 1);
    h = hNext;
  }
  return r + h > guesses / m;
}

/** Gaussian differential privacy with parameter mu: fbar^{-1}(y) = Phi(Phi^{-1}(y) - mu). */
export function gaussianBlowUpInverse(mu: number): BlowUpInverse {
  if (mu === 0) return (y) => y;
  return (y) => (y <= 0 ? 0 : y >= 1 ? 1 : normCdf(normPpf(y) - mu));
}

/** A one-parameter family of privacy claims; larger `leak` = weaker claim (pointwise larger fbar). */
export interface ClaimFamily {
  inverse(leak: number): BlowUpInverse;
  /** Epsilon of the claim at the audit's delta. */
  epsilon(leak: number): number;
  /** A leak at which no claim is rejected in practice (where the search stops; its epsilon is reported). */
  maxLeak: number;
}

/** Leaks searched: 0 and the lattice 2^(j / 256) (0.27% apart), so families can cache their curves. */
export const LEAK_LATTICE_STEPS_PER_DOUBLING = 256;

function latticeLeak(j: number): number {
  return 2 ** (j / LEAK_LATTICE_STEPS_PER_DOUBLING);
}

/**
 * The largest lattice leak at which some hypothesis of `countsList` rejects the claim (a rejected
 * leak, so its epsilon is a valid lower bound), with the index of that hypothesis; leak 0 and
 * index -1 when not even leak 0 (no privacy loss at all) is rejected. Rejection is monotone in the
 * leak because a weaker claim has a pointwise larger fbar, so a binary search finds it.
 */
export function fdpLeakBound(
  family: ClaimFamily,
  countsList: readonly OneRunCounts[],
  significance: number,
): { leak: number; index: number } {
  const rejecting = (leak: number): number => {
    const inverse = family.inverse(leak);
    return countsList.findIndex((c) => fdpRejects(inverse, c, significance));
  };
  const zero = rejecting(0);
  if (zero < 0) return { leak: 0, index: -1 };
  const top = Math.floor(Math.log2(family.maxLeak) * LEAK_LATTICE_STEPS_PER_DOUBLING);
  let lo = -20 * LEAK_LATTICE_STEPS_PER_DOUBLING; // leak 1e-6: as good as 0
  let loIndex = rejecting(latticeLeak(lo));
  if (loIndex < 0) return { leak: 0, index: zero };
  let hi = Math.min(0, top);
  // Exponential search upwards for a non-rejected lattice point (or the top).
  for (let width = LEAK_LATTICE_STEPS_PER_DOUBLING; ; width *= 2) {
    const at = rejecting(latticeLeak(hi));
    if (at < 0) break;
    lo = hi;
    loIndex = at;
    if (hi === top) return { leak: latticeLeak(top), index: at };
    hi = Math.min(top, hi + width);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const at = rejecting(latticeLeak(mid));
    if (at >= 0) {
      lo = mid;
      loIndex = at;
    } else hi = mid;
  }
  return { leak: latticeLeak(lo), index: loIndex };
}
