/**
 * Renyi-DP accountant for the Poisson-subsampled Gaussian mechanism, a port of Opacus'
 * `opacus/accountants/analysis/rdp.py` (itself from TF Privacy; Mironov, Talwar, Zhang 2019,
 * "Renyi Differential Privacy of the Sampled Gaussian Mechanism", Section 3.3):
 * log A_alpha by the binomial expansion for integer alpha and by the two-sided erfc series for
 * fractional alpha, all in log space; composition adds RDP; conversion to (epsilon, delta) by
 * Balle et al. 2020 (Theorem 21), as Opacus' `get_privacy_spent`.
 */
import { logNormCdf } from './special';
import type { Phase } from './types';

/** Opacus' default orders: 1.1, 1.2, ..., 10.9, then 12, 13, ..., 63. */
export const RDP_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
];

function logAdd(logx: number, logy: number): number {
  const a = Math.min(logx, logy);
  const b = Math.max(logx, logy);
  if (a === Number.NEGATIVE_INFINITY) return b;
  return Math.log1p(Math.exp(a - b)) + b;
}

/** log(e^logx - e^logy); NaN where the difference would be negative (Opacus raises there). */
function logSub(logx: number, logy: number): number {
  if (logx < logy) return Number.NaN;
  if (logy === Number.NEGATIVE_INFINITY) return logx;
  if (logx === logy) return Number.NEGATIVE_INFINITY;
  const diff = logx - logy;
  if (diff > 700) return logx; // expm1 would overflow; the subtrahend is negligible
  return Math.log(Math.expm1(diff)) + logy;
}

/** log erfc(x) through log Phi, as Opacus' `_log_erfc`. */
function logErfcViaNdtr(x: number): number {
  return Math.LN2 + logNormCdf(-x * Math.SQRT2);
}

function logAIntAlpha(q: number, sigma: number, alpha: number): number {
  let logA = Number.NEGATIVE_INFINITY;
  let binom = 1; // C(alpha, i), exact enough as a double for alpha <= 63
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  for (let i = 0; i <= alpha; i++) {
    const logCoef = Math.log(binom) + i * logQ + (alpha - i) * log1mQ;
    logA = logAdd(logA, logCoef + (i * i - i) / (2 * sigma * sigma));
    binom = (binom * (alpha - i)) / (i + 1);
  }
  return logA;
}

function logAFracAlpha(q: number, sigma: number, alpha: number): number {
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoSigma2 = 2 * sigma * sigma;
  let coef = 1; // generalised binomial coefficient C(alpha, i), may be negative
  for (let i = 0; i < 100_000; i++) {
    const logCoef = Math.log(Math.abs(coef));
    const j = alpha - i;
    const logT0 = logCoef + i * logQ + j * log1mQ;
    const logT1 = logCoef + j * logQ + i * log1mQ;
    const logE0 = Math.log(0.5) + logErfcViaNdtr((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfcViaNdtr((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / twoSigma2 + logE0;
    const logS1 = logT1 + (j * j - j) / twoSigma2 + logE1;
    if (coef > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
    coef = (coef * (alpha - i)) / (i + 1);
  }
  return logAdd(logA0, logA1);
}

/** RDP of one step of the sampled Gaussian mechanism at order `alpha` (Opacus' `_compute_rdp`). */
export function rdpSubsampledGaussian(q: number, sigma: number, alpha: number): number {
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (!Number.isFinite(alpha)) return Number.POSITIVE_INFINITY;
  const logA = Number.isInteger(alpha) ? logAIntAlpha(q, sigma, alpha) : logAFracAlpha(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP of a phase sequence at each order (composition adds RDP). */
export function rdpOfPhases(phases: readonly Phase[], orders: readonly number[] = RDP_ORDERS): number[] {
  return orders.map((alpha) =>
    phases.reduce((sum, p) => sum + p.steps * rdpSubsampledGaussian(p.q, p.sigma, alpha), 0),
  );
}

/**
 * RDP -> (epsilon, delta) with the improved conversion of Balle et al. 2020:
 * eps = min_a [ rdp(a) + log((a-1)/a) - (log(delta) + log(a)) / (a-1) ].
 */
export function rdpToEpsilon(
  rdp: readonly number[],
  delta: number,
  orders: readonly number[] = RDP_ORDERS,
): { epsilon: number; order: number } {
  let best = Number.POSITIVE_INFINITY;
  let order = Number.NaN;
  const logDelta = Math.log(delta);
  orders.forEach((a, i) => {
    const eps = rdp[i] - (logDelta + Math.log(a)) / (a - 1) + Math.log((a - 1) / a);
    if (eps < best) {
      best = eps;
      order = a;
    }
  });
  return { epsilon: Math.max(0, best), order };
}

/** Epsilon of a (validated) phase sequence by RDP, with the order that attains it. */
export function rdpEpsilon(phases: readonly Phase[], delta: number): { epsilon: number; order: number } {
  return rdpToEpsilon(rdpOfPhases(phases), delta);
}
