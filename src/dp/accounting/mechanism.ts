/**
 * The Poisson-subsampled Gaussian mechanism as a pair of distributions, for the tight accountant.
 * With sensitivity 1 and noise sigma, one step compares P = (1-q) N(0, sigma^2) + q N(1, sigma^2)
 * (the record may be in the batch) with Q = N(0, sigma^2). Add/remove adjacency needs both orders:
 * - 'remove': loss L = log(P/Q)(o), o ~ P (Opacus' PRV uses only this one);
 * - 'add':    loss L = log(Q/P)(o), o ~ Q.
 * Neither order dominates the other after composition (Zhu, Dong, Wang 2022), so the accountant
 * bounds both and reports the larger epsilon, as Google's dp_accounting does.
 *
 * Privacy curves (hockey-stick divergences) in closed form, with mu = 1/sigma and
 * G(z) = Phi-bar(sigma z - 1/(2 sigma)) - e^z Phi-bar(sigma z + 1/(2 sigma)) (the Gaussian curve):
 *   delta_remove(eps) = q G(log(1 + (e^eps - 1)/q))                  for e^eps > 1-q, else 1 - e^eps
 *   delta_add(eps)    = (1 - (1-q) e^eps) G(-log(1 + (e^-eps - 1)/q))  for e^eps < 1/(1-q), else 0
 */
import { logNormSf, normCdf, normSf } from './special';

export type Direction = 'remove' | 'add';

/** The Gaussian mechanism's curve G(z) for noise multiplier sigma (sensitivity 1), stable in the tails. */
export function gaussianCurve(z: number, sigma: number): number {
  const c = 0.5 / sigma;
  const a = sigma * z - c;
  const b = sigma * z + c;
  if (a > 1) {
    // Both terms are tails: G = Phi-bar(a) (1 - e^{z + log Phi-bar(b) - log Phi-bar(a)}).
    const la = logNormSf(a);
    return -Math.exp(la) * Math.expm1(z + logNormSf(b) - la);
  }
  return normSf(a) - Math.exp(z + logNormSf(b));
}

/** z(t) = log(1 + (e^t - 1)/q), the Gaussian-equivalent loss of a subsampled loss t (t > log(1-q)). */
function gaussianEquivalent(t: number, q: number): number {
  if (q === 1) return t;
  // e^t - 1 + q = e^t (1 - (1-q) e^{-t}): no overflow or cancellation for t > 1.
  if (t > 1) return t + Math.log1p(-(1 - q) * Math.exp(-t)) - Math.log(q);
  return Math.log1p(Math.expm1(t) / q);
}

/** Hockey-stick divergence delta(eps) of one step, in the given direction. */
export function stepCurve(eps: number, q: number, sigma: number, dir: Direction): number {
  if (dir === 'remove') {
    if (q < 1 && eps <= Math.log1p(-q)) return -Math.expm1(eps);
    return q * gaussianCurve(gaussianEquivalent(eps, q), sigma);
  }
  if (q < 1 && eps >= -Math.log1p(-q)) return 0;
  const weight = q === 1 ? 1 : -Math.expm1(eps + Math.log1p(-q));
  return weight * gaussianCurve(-gaussianEquivalent(-eps, q), sigma);
}

/** P(L <= t) for the step's privacy loss L in the given direction (its lower tail). */
export function stepLossCdf(t: number, q: number, sigma: number, dir: Direction): number {
  const c = 0.5 / sigma;
  if (dir === 'remove') {
    if (q < 1 && t <= Math.log1p(-q)) return 0;
    const z = gaussianEquivalent(t, q);
    return (1 - q) * normCdf(sigma * z + c) + q * normCdf(sigma * z - c);
  }
  if (q < 1 && t >= -Math.log1p(-q)) return 1;
  return normSf(sigma * gaussianEquivalent(-t, q) + c);
}

/** Smallest and largest possible loss of one step (infinite for q = 1, where the loss is Gaussian). */
export function stepLossSupport(q: number, dir: Direction): [number, number] {
  if (q === 1) return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const l = Math.log1p(-q);
  return dir === 'remove' ? [l, Number.POSITIVE_INFINITY] : [Number.NEGATIVE_INFINITY, -l];
}

/** log(P/Q) at output o: log(1 - q + q e^x), x = (2o - 1)/(2 sigma^2). */
function removeLoss(o: number, q: number, sigma: number): number {
  const x = (2 * o - 1) / (2 * sigma * sigma);
  if (x > 0) return x + Math.log(q + (1 - q) * Math.exp(-x));
  return Math.log1p(q * Math.expm1(x));
}

/**
 * Standard deviation of one step's privacy loss, by the trapezoid rule over the output o
 * (the integrand is smooth; 4000 panels over +-12 sigma give ~1e-10 relative accuracy).
 * It sets the grid spacing of the discretisation.
 */
export function stepLossStd(q: number, sigma: number, dir: Direction): number {
  const lo = -12 * sigma;
  const hi = 1 + 12 * sigma;
  const n = 4000;
  const h = (hi - lo) / n;
  const norm = 1 / (sigma * Math.sqrt(2 * Math.PI));
  const losses = new Float64Array(n + 1);
  const weights = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const o = lo + i * h;
    const q0 = norm * Math.exp(-(o * o) / (2 * sigma * sigma));
    const q1 = norm * Math.exp(-((o - 1) * (o - 1)) / (2 * sigma * sigma));
    const density = dir === 'remove' ? (1 - q) * q0 + q * q1 : q0;
    const l = removeLoss(o, q, sigma);
    losses[i] = dir === 'remove' ? l : -l;
    weights[i] = density * h * (i === 0 || i === n ? 0.5 : 1);
  }
  let mass = 0;
  let mean = 0;
  for (let i = 0; i <= n; i++) {
    mass += weights[i];
    mean += weights[i] * losses[i];
  }
  mean /= mass;
  let variance = 0;
  for (let i = 0; i <= n; i++) variance += weights[i] * (losses[i] - mean) ** 2;
  return Math.sqrt(variance / mass);
}

/**
 * Exact epsilon of the Gaussian mechanism with mu = sensitivity / noise (for T full-batch steps of
 * noise multipliers sigma_k, mu^2 = sum_k T_k / sigma_k^2): the root of
 * delta(eps) = Phi(-eps/mu + mu/2) - e^eps Phi(-eps/mu - mu/2) (Balle & Wang 2018), by bisection.
 * Negative when even eps = 0 meets delta.
 */
export function gaussianEpsilon(mu: number, delta: number): number {
  const sigma = 1 / mu;
  const curve = (eps: number) => gaussianCurve(eps, sigma);
  let hi = Math.max(1, 0.5 * mu * mu + 2 * mu);
  while (curve(hi) > delta) hi *= 2;
  let lo = -1;
  while (curve(lo) <= delta) lo *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(hi)); i++) {
    const mid = 0.5 * (lo + hi);
    if (curve(mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}
