/**
 * Pessimistic discretisation of one step's privacy loss distribution by "connect the dots"
 * (Doroshenko, Ghazi, Kamath, Kumar, Manurangsi 2022, Algorithm 1; as Google's dp_accounting).
 * Given the exact privacy curve delta(eps) at grid points eps_i = i d, it builds the discrete PLD
 * whose curve equals delta at every grid point and interpolates linearly in e^eps in between, which
 * lies above the true (convex) curve: a dominating pair, so every epsilon computed from it, and from
 * its compositions, is an upper bound. Its error is second order in d, unlike rounding losses up.
 */
import { type Direction, stepCurve, stepLossCdf, stepLossSupport } from './mechanism';

/** A discrete PLD on the grid: mass probs[i] at loss (lo + i) * d, plus mass at +infinity. */
export interface StepPmf {
  d: number;
  lo: number;
  probs: Float64Array;
  infMass: number;
}

/**
 * Connect-the-dots masses from curve values at consecutive grid points. Everything below the first
 * point is lumped onto it (pessimistic); the curve value at the last point goes to +infinity.
 */
export function connectTheDots(deltas: Float64Array, d: number, lo: number): StepPmf {
  const n = deltas.length;
  const dl = Float64Array.from(deltas);
  // A privacy curve is non-increasing and in [0, 1]; enforce it against rounding.
  for (let i = 0; i < n; i++) {
    dl[i] = Math.min(1, Math.max(0, dl[i]));
    if (i > 0 && dl[i] > dl[i - 1]) dl[i] = dl[i - 1];
  }
  const probs = new Float64Array(n);
  if (n === 1) {
    probs[0] = 1 - dl[0];
    return { d, lo, probs, infMass: dl[0] };
  }
  const em1 = Math.expm1(d);
  const ed = Math.exp(d);
  probs[0] = 1 - dl[0] + (dl[1] - dl[0]) / em1;
  for (let i = 1; i < n - 1; i++) probs[i] = (dl[i + 1] - dl[i] - ed * (dl[i] - dl[i - 1])) / em1;
  probs[n - 1] = (dl[n - 1] - dl[n - 2]) / Math.expm1(-d);
  for (let i = 0; i < n; i++) if (!(probs[i] > 0)) probs[i] = 0;
  return { d, lo, probs, infMass: dl[n - 1] };
}

/** Drops zero-mass points at both ends (the composition window and the MGF sums rely on it). */
export function trimZeros(pmf: StepPmf): StepPmf {
  const { probs } = pmf;
  let first = 0;
  let last = probs.length - 1;
  while (first < last && !(probs[first] > 1e-300)) first++;
  while (last > first && !(probs[last] > 1e-300)) last--;
  if (first === 0 && last === probs.length - 1) return pmf;
  return { ...pmf, lo: pmf.lo + first, probs: probs.slice(first, last + 1) };
}

/** Bisection for the crossing of a monotone predicate between a (false) and b (true). */
function bisect(a: number, b: number, isPast: (t: number) => boolean): number {
  for (let i = 0; i < 200 && Math.abs(b - a) > 1e-12 * Math.max(1, Math.abs(a)); i++) {
    const m = 0.5 * (a + b);
    if (isPast(m)) b = m;
    else a = m;
  }
  return b;
}

/**
 * The loss range that matters for one step: above `upper` the curve is below `tail` (that mass is
 * sent to +infinity), below `lower` the loss has probability below `tail` (lumped upwards).
 * `scale` is the loss's standard deviation, for the search steps.
 */
export function stepLossRange(
  q: number,
  sigma: number,
  dir: Direction,
  tail: number,
  scale: number,
): { lower: number; upper: number } {
  const [supLo, supHi] = stepLossSupport(q, dir);
  const curve = (t: number) => stepCurve(t, q, sigma, dir);
  const cdf = (t: number) => stepLossCdf(t, q, sigma, dir);
  // Upper end: first t >= 0 with delta(t) <= tail.
  let upper: number;
  if (curve(0) <= tail) upper = 0;
  else {
    let a = 0;
    let b = scale;
    while (b < supHi && curve(b) > tail) {
      a = b;
      b = 2 * b + scale;
    }
    upper = b >= supHi ? supHi : bisect(a, b, (t) => curve(t) <= tail);
  }
  // Lower end: last t <= 0 with P(L <= t) <= tail.
  let lower: number;
  if (cdf(0) <= tail) lower = 0;
  else {
    let b = 0;
    let a = -scale;
    while (a > supLo && cdf(a) > tail) {
      b = a;
      a = 2 * a - scale;
    }
    lower = a <= supLo ? supLo : -bisect(-b, -a, (t) => cdf(-t) <= tail);
  }
  return { lower, upper };
}

/** Grid index range [iLo, iHi] covering a loss range at spacing d. */
export function gridRange(range: { lower: number; upper: number }, d: number): [number, number] {
  const iLo = Math.floor(range.lower / d);
  const iHi = Math.max(iLo, Math.ceil(range.upper / d));
  return [iLo, iHi];
}

/** Connect-the-dots PLD of one step of the subsampled Gaussian on grid indices [iLo, iHi]. */
export function stepPmf(
  q: number,
  sigma: number,
  dir: Direction,
  d: number,
  iLo: number,
  iHi: number,
): StepPmf {
  const n = iHi - iLo + 1;
  const deltas = new Float64Array(n);
  for (let i = 0; i < n; i++) deltas[i] = stepCurve((iLo + i) * d, q, sigma, dir);
  return trimZeros(connectTheDots(deltas, d, iLo));
}
