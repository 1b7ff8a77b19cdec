/** Inverse problems: the noise for a budget (calibrateSigma) and the steps a budget buys (maxSteps). */
import { computeEpsilon } from './epsilon';
import { OPACUS_PARITY_BELOW, PrvEvaluator } from './prv';
import {
  type AccountantName,
  AccountingInputError,
  type Phase,
  validateAccountant,
  validateDelta,
  validateEpsilon,
  validatePhases,
  validateSampleRate,
  validateSigma,
  validateSteps,
} from './types';

/** Calibration searches sigma in [SIGMA_MIN, SIGMA_MAX]. */
export const SIGMA_MAX = 1000;
export const SIGMA_MIN = 0.05;
/** maxSteps answers at most this many steps. */
export const MAX_STEPS = 10_000_000;
/** Relative width of the final sigma bracket. */
const SIGMA_TOLERANCE = 1e-4;

/**
 * The smallest noise multiplier (to relative 1e-4) whose epsilon after `steps` steps at sampling
 * rate q, composed after any `priorPhases` (earlier releases on the same data, e.g. a DP label
 * histogram), is at most the target, and the epsilon it actually reaches (always <= target).
 * Bracketing, then regula falsi (Illinois) on log sigma vs log epsilon, keeping the side that
 * meets the target. If even SIGMA_MIN meets it, SIGMA_MIN is returned; a target that SIGMA_MAX
 * cannot meet throws. The pipeline's DP trainings (planPrivacy) and `distildp sigma` both use it.
 */
export function calibrateSigma(o: {
  epsilon: number;
  delta: number;
  q: number;
  steps: number;
  accountant?: AccountantName;
  priorPhases?: readonly Phase[];
}): { sigma: number; epsilon: number } {
  const accountant = o.accountant ?? 'prv';
  const prior = o.priorPhases ?? [];
  validateEpsilon(o.epsilon, 'target epsilon');
  validateDelta(o.delta);
  validateSampleRate(o.q);
  validateSteps(o.steps);
  validateAccountant(accountant);
  if (prior.length) validatePhases(prior);
  const target = o.epsilon;
  const eps = (sigma: number) =>
    computeEpsilon([...prior, { q: o.q, sigma, steps: o.steps }], o.delta, accountant);

  // Bracket: lo misses the target (eps > target), hi meets it (eps <= target).
  let hi = 1;
  let epsHi = eps(hi);
  let lo = hi;
  let epsLo = epsHi;
  if (epsHi > target) {
    while (epsHi > target) {
      if (hi >= SIGMA_MAX) {
        throw new AccountingInputError(
          `target epsilon ${target} is out of reach: even sigma = ${SIGMA_MAX} gives epsilon ${epsHi.toPrecision(4)} ` +
            `(q = ${o.q}, steps = ${o.steps}, delta = ${o.delta}${prior.length ? `, after ${prior.length} prior phase(s)` : ''}); raise epsilon, or lower q or steps`,
        );
      }
      lo = hi;
      epsLo = epsHi;
      hi = Math.min(SIGMA_MAX, hi * 4);
      epsHi = eps(hi);
    }
  } else {
    while (epsLo <= target) {
      if (lo <= SIGMA_MIN) return { sigma: lo, epsilon: epsLo };
      hi = lo;
      epsHi = epsLo;
      lo = Math.max(SIGMA_MIN, lo / 4);
      epsLo = eps(lo);
    }
  }
  // Illinois regula falsi on (log sigma, log eps - log target), decreasing in sigma.
  const f = (e: number) => Math.log(e) - Math.log(target);
  let fLo = f(epsLo);
  let fHi = f(epsHi);
  let side = 0;
  for (let iter = 0; iter < 100 && hi / lo - 1 > SIGMA_TOLERANCE; iter++) {
    const a = Math.log(lo);
    const b = Math.log(hi);
    let x =
      Number.isFinite(fLo) && Number.isFinite(fHi) && fLo !== fHi
        ? a - (fLo * (b - a)) / (fHi - fLo)
        : 0.5 * (a + b);
    // Keep the new point strictly inside, and fall back to bisection when the interpolation stalls.
    const margin = 0.01 * (b - a);
    if (!(x > a + margin && x < b - margin)) x = 0.5 * (a + b);
    const sigma = Math.exp(x);
    const e = eps(sigma);
    const fx = f(e);
    if (e <= target) {
      hi = sigma;
      epsHi = e;
      fHi = fx;
      if (side === 1) fLo /= 2;
      side = 1;
    } else {
      lo = sigma;
      epsLo = e;
      fLo = fx;
      if (side === -1) fHi /= 2;
      side = -1;
    }
  }
  return { sigma: hi, epsilon: epsHi };
}

/**
 * The largest number of steps (at most MAX_STEPS) whose epsilon at noise sigma and rate q is within
 * the budget; 0 if a single step already exceeds it. Doubling, then bisection on integers; the PRV
 * accountant reuses one composition window for the bisection.
 */
export function maxSteps(o: {
  sigma: number;
  q: number;
  epsilon: number;
  delta: number;
  accountant?: AccountantName;
}): number {
  const accountant = o.accountant ?? 'prv';
  validateSigma(o.sigma);
  validateSampleRate(o.q);
  validateEpsilon(o.epsilon, 'epsilon budget');
  validateDelta(o.delta);
  validateAccountant(accountant);
  const budget = o.epsilon;
  const eps = (steps: number) => computeEpsilon([{ q: o.q, sigma: o.sigma, steps }], o.delta, accountant);
  if (eps(1) > budget) return 0;
  let lo = 1; // within budget
  let hi = 2;
  while (eps(hi) <= budget) {
    lo = hi;
    if (hi >= MAX_STEPS) return MAX_STEPS;
    hi = Math.min(MAX_STEPS, hi * 2);
  }
  // Bisection between lo (within budget) and hi (over it). With PRV, one evaluator answers for
  // every step count in between (its values agree with computeEpsilon above the Opacus-parity range).
  let evaluate = eps;
  if (accountant === 'prv' && budget >= OPACUS_PARITY_BELOW) {
    const phase = [{ q: o.q, sigma: o.sigma, steps: hi }];
    const samples = Array.from({ length: 9 }, (_, i) => [Math.round(lo + ((hi - lo) * i) / 8)]);
    const evaluator = new PrvEvaluator(phase, o.delta, samples);
    evaluate = (steps) => (evaluator.covers([steps]) ? evaluator.epsilon([steps]) : eps(steps));
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (evaluate(mid) <= budget) lo = mid;
    else hi = mid;
  }
  // Settle on computeEpsilon's own values (grids of different windows differ in the last digits).
  while (lo > 0 && eps(lo) > budget) lo--;
  while (lo < MAX_STEPS && eps(lo + 1) <= budget) lo++;
  return lo;
}
