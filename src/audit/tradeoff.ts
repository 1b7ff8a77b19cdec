/**
 * Claim families for the f-DP analysis (fdp.ts):
 * - `gaussianFamily`: mu-GDP (exact for the ideal Gaussian mechanism; the soundness simulation);
 * - `dpsgdFamily`: the accountant's own curve of DP-SGD, Poisson rate q for T steps (after any
 *   prior phases) at noise sigma' = 1 / leak. The PRV accountant's pessimistic privacy profile
 *   delta(eps) on a grid of eps gives valid (eps_j, delta_j)-DP claims for every j at once, hence
 *   the f-DP curve f = max_j f_{eps_j, delta_j} (Dong, Roth & Su 2022, Prop. 2.12); its blow-up
 *   inverse is the upper envelope of the lines y -> (y - delta_j) e^{-eps_j} and
 *   y -> 1 - delta_j - e^{eps_j} (1 - y). A coarser grid only weakens the claim (fewer lines), so the
 *   audit stays sound; the search reports epsilon(sigma*) by the same accountant that set sigma.
 */
import {
  type AccountantName,
  computeEpsilon,
  type Phase,
  SIGMA_MAX,
  SIGMA_MIN,
} from '../dp/accounting/index';
import { gaussianEpsilon } from '../dp/accounting/mechanism';
import { PrvEvaluator } from '../dp/accounting/prv';
import { type BlowUpInverse, type ClaimFamily, gaussianBlowUpInverse } from './fdp';

/** mu-GDP claims; epsilon at delta by the Gaussian curve. mu up to 40 (epsilon ~ 800 at any delta). */
export function gaussianFamily(delta: number): ClaimFamily {
  return {
    inverse: gaussianBlowUpInverse,
    epsilon: (mu) => (mu === 0 ? 0 : gaussianEpsilon(mu, delta)),
    maxLeak: 40,
  };
}

/** max over lines y -> a y + b (a > 0), as sorted breakpoints: evaluation by binary search. */
export function upperEnvelope(lines: { a: number; b: number }[]): BlowUpInverse {
  const sorted = [...lines, { a: 0, b: 0 }].sort((u, v) => u.a - v.a || u.b - v.b);
  const hull: { a: number; b: number }[] = [];
  const xs: number[] = []; // xs[k]: where hull[k + 1] overtakes hull[k]
  const cross = (u: { a: number; b: number }, v: { a: number; b: number }) => (u.b - v.b) / (v.a - u.a);
  for (const line of sorted) {
    if (hull.length && hull[hull.length - 1].a === line.a) {
      hull.pop();
      xs.pop();
    }
    while (hull.length >= 2 && cross(hull[hull.length - 1], line) <= xs[xs.length - 1]) {
      hull.pop();
      xs.pop();
    }
    if (hull.length) xs.push(cross(hull[hull.length - 1], line));
    hull.push(line);
  }
  return (y: number) => {
    let lo = 0;
    let hi = xs.length; // answer: the first k with xs[k] > y, i.e. hull[k] is on top at y
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] > y) hi = mid;
      else lo = mid + 1;
    }
    const line = hull[lo];
    return Math.max(0, Math.min(y, line.a * y + line.b));
  };
}

/** fbar^{-1} of the (eps_j, delta_j)-DP claims for all j together. */
export function profileBlowUpInverse(epsilons: readonly number[], deltas: ArrayLike<number>): BlowUpInverse {
  const lines: { a: number; b: number }[] = [];
  epsilons.forEach((eps, j) => {
    const d = Math.min(1, deltas[j]);
    const e = Math.exp(eps);
    lines.push({ a: 1 / e, b: -d / e });
    lines.push({ a: e, b: 1 - d - e });
  });
  return upperEnvelope(lines);
}

export interface DPSGDClaim {
  q: number;
  steps: number;
  /** Phases before the audited one (e.g. a DP label histogram), composed with it. */
  priorPhases?: Phase[];
  delta: number;
  accountant?: AccountantName;
}

/** Grid of the privacy profile: 0 .. (epsilon at delta 1e-10) + 1, 800 points. */
const PROFILE_POINTS = 800;
const PROFILE_DELTA = 1e-10;

/**
 * DP-SGD claims at noise sigma' = 1 / leak, clamped to [SIGMA_MIN, SIGMA_MAX] (a clamped claim is
 * weaker than the one asked for, so the audit stays sound).
 */
export function dpsgdFamily(claim: DPSGDClaim): ClaimFamily {
  const phasesAt = (leak: number): Phase[] => [
    ...(claim.priorPhases ?? []),
    { q: claim.q, sigma: Math.max(SIGMA_MIN, Math.min(SIGMA_MAX, 1 / leak)), steps: claim.steps },
  ];
  const cache = new Map<number, BlowUpInverse>();
  return {
    inverse(leak) {
      if (leak === 0 && !claim.priorPhases?.length) return (y) => y;
      let inv = cache.get(leak);
      if (inv) return inv;
      const phases = phasesAt(leak);
      const counts = phases.map((p) => p.steps);
      const evaluator = new PrvEvaluator(phases, PROFILE_DELTA, [counts], { epsError: 0, deltaError: 0 });
      const top = Math.min(200, evaluator.epsilon(counts) + 1);
      const grid = Array.from({ length: PROFILE_POINTS }, (_, i) => (top * i) / (PROFILE_POINTS - 1));
      inv = profileBlowUpInverse(grid, evaluator.privacyProfile(counts, grid));
      cache.set(leak, inv);
      return inv;
    },
    epsilon: (leak) =>
      leak === 0 ? 0 : computeEpsilon(phasesAt(leak), claim.delta, claim.accountant ?? 'prv'),
    maxLeak: 1 / SIGMA_MIN,
  };
}
