/**
 * Opacus' own PRV upper bound (opacus/accountants/prv.py and analysis/prv/, after Gopi et al. 2021),
 * reproduced on our composer: the 'remove' privacy loss of each step truncated to [-L, L]
 * (L from RDP at delta_err/4, plus 3), binned on Opacus' mesh eps_err / sqrt(T log(12/delta_err) / 2)
 * with the bins shifted to keep the continuous mean, composed, then eps(delta - delta_err) + eps_err.
 *
 * Why: Opacus' mesh is fixed by its error budget, not by the width of the loss, so when epsilon is
 * tiny (loss narrower than the mesh) its binning moves its bound by a few 1e-4 from ours (mostly up),
 * which is then more than 1% of epsilon. There prv.ts reports Opacus' number, checked to be at least
 * our tight bound, so that small budgets read as in dp-transformers/Opacus and remain proven bounds.
 */
import { PldComposer, WindowTooLargeError } from './compose';
import { trimZeros } from './discretize';
import { stepLossCdf } from './mechanism';
import { rdpOfPhases, rdpToEpsilon } from './rdp';
import type { Phase } from './types';

/** Opacus' defaults: eps_error 0.01, delta_error = delta / 1000. */
const EPS_ERROR = 0.01;
const DELTA_ERROR_FRACTION = 1e-3;
/** Largest grid we reproduce (Opacus itself would go on, in numpy, for longer). */
const MAX_GRID = 2 ** 22;

/** Adaptive Simpson on [a, b] (smooth integrands; absolute tolerance tol). */
function integrate(f: (t: number) => number, a: number, b: number, tol: number): number {
  const simpson = (fa: number, fm: number, fb: number, h: number) => (h / 6) * (fa + 4 * fm + fb);
  const recurse = (
    a: number,
    b: number,
    fa: number,
    fm: number,
    fb: number,
    whole: number,
    tol: number,
    depth: number,
  ): number => {
    const m = 0.5 * (a + b);
    const lm = 0.5 * (a + m);
    const rm = 0.5 * (m + b);
    const flm = f(lm);
    const frm = f(rm);
    const left = simpson(fa, flm, fm, m - a);
    const right = simpson(fm, frm, fb, b - m);
    if (depth <= 0 || Math.abs(left + right - whole) <= 15 * tol)
      return left + right + (left + right - whole) / 15;
    return (
      recurse(a, m, fa, flm, fm, left, tol / 2, depth - 1) +
      recurse(m, b, fm, frm, fb, right, tol / 2, depth - 1)
    );
  };
  const fa = f(a);
  const fb = f(b);
  const fm = f(0.5 * (a + b));
  return recurse(a, b, fa, fm, fb, simpson(fa, fm, fb, b - a), tol, 40);
}

/**
 * Opacus' PRV upper bound for counts[k] steps of phase k, or null where Opacus itself would stop
 * (discrete mean too far from the continuous one) or the grid would exceed MAX_GRID.
 */
export function opacusPrvEpsilon(
  phases: readonly Phase[],
  counts: readonly number[],
  delta: number,
): number | null {
  const live = phases.map((p, k) => ({ ...p, steps: counts[k] })).filter((p) => p.steps > 0);
  if (live.length === 0) return 0;
  const deltaError = delta * DELTA_ERROR_FRACTION;
  const total = live.reduce((s, p) => s + p.steps, 0);
  // Domain [-L, L] (compute_safe_domain_size).
  let L = rdpToEpsilon(rdpOfPhases(live), deltaError / 4).epsilon;
  for (const p of live)
    L = Math.max(L, rdpToEpsilon(rdpOfPhases([{ ...p, steps: 1 }]), deltaError / (8 * total)).epsilon);
  L = Math.max(L, EPS_ERROR) + 3;
  // Domain.create_aligned(-L, L, mesh).
  const mesh = EPS_ERROR / Math.sqrt((total * Math.log(12 / deltaError)) / 2);
  const tMin = Math.floor(-L / mesh) * mesh;
  let tMax = Math.ceil(L / mesh) * mesh;
  let size = Math.round((tMax - tMin) / mesh) + 1;
  if (size % 2 === 1) {
    size += 1;
    tMax += mesh;
  }
  if (size > MAX_GRID) return null;
  // Opacus refuses deltas that float64 round-off over the grid would swamp.
  if (Number.EPSILON * size > delta - deltaError) return null;
  const dt = (tMax - tMin) / (size - 1);
  const lo = Math.round(tMin / dt);
  let offset = 0; // composed losses are (global index) * dt + offset
  const pmfs = live.map((p) => {
    // discretize(TruncatedPrivacyRandomVariable(prv, tMin, tMax), domain), mean-preserving.
    const cdf = (t: number) => stepLossCdf(t, p.q, p.sigma, 'remove');
    const fMin = cdf(tMin);
    const mass = cdf(tMax) - fMin;
    const truncated = (t: number) => (t < tMin ? 0 : t < tMax ? (cdf(t) - fMin) / mass : 1);
    const probs = new Float64Array(size);
    let left = truncated(tMin - dt / 2);
    let meanDiscrete = 0;
    for (let i = 0; i < size; i++) {
      const t = tMin + i * dt;
      const right = truncated(t + dt / 2);
      probs[i] = right - left;
      meanDiscrete += t * probs[i];
      left = right;
    }
    // Mean of the truncated loss: tMax - integral of its CDF, over Opacus' break points.
    const breaks = [tMin, -0.1, -0.01, -0.001, -1e-4, -1e-5, 1e-5, 1e-4, 0.001, 0.01, 0.1, tMax].filter(
      (b, i, all) => i === 0 || i === all.length - 1 || (b > tMin && b < tMax),
    );
    let area = 0;
    for (let i = 0; i + 1 < breaks.length; i++) area += integrate(truncated, breaks[i], breaks[i + 1], 1e-15);
    const shift = tMax - area - meanDiscrete;
    if (Math.abs(shift) >= dt / 2) return null;
    offset += p.steps * (tMin - lo * dt + shift);
    for (let i = 0; i < size; i++) if (!(probs[i] > 0)) probs[i] = 0;
    return trimZeros({ d: dt, lo, probs, infMass: 0 });
  });
  if (pmfs.some((p) => p === null)) return null;
  const liveCounts = live.map((p) => p.steps);
  try {
    const composer = new PldComposer(
      pmfs as NonNullable<(typeof pmfs)[number]>[],
      [liveCounts],
      delta * 1e-9,
      2 ** 22,
    );
    return composer.epsilon(liveCounts, delta - deltaError) + offset + EPS_ERROR;
  } catch (e) {
    if (e instanceof WindowTooLargeError) return null;
    throw e;
  }
}
