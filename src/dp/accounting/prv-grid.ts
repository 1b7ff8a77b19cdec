/**
 * The grids of the PRV accountant: how finely each step's privacy loss is discretised (enough
 * that discretisation adds a bounded share of the composed variance) and the FFT composer built
 * on them, coarsened until the composed distribution fits in memory. prv.ts evaluates epsilon on
 * them.
 */
import { PldComposer as Composer, type PldComposer, WindowTooLargeError } from './compose';
import { gridRange, type StepPmf, stepLossRange, stepPmf } from './discretize';
import type { Direction } from './mechanism';
import type { Phase } from './types';

/** Largest one-step grid; past it the spacing grows (a phase far wider than the finest one). */
const MAX_STEP_GRID = 2 ** 20;
/**
 * Variance error allowed in any case (loss units squared): keeps the grid finite when the loss is
 * (nearly) deterministic, e.g. the 'add' order at tiny sigma, where the relative rule asks for d -> 0.
 */
const VARIANCE_FLOOR = 4e-10;

/**
 * Grid spacing for a step-count vector. Discretising adds about d^2/6 of variance per step, so
 * d = sqrt(sum_k c_k s_k^2 / sum_k c_k) / resolution keeps the added variance below 1/(6 r^2) of
 * the composed variance (d = s / r for one phase), or below VARIANCE_FLOOR.
 */
export function gridSpacing(stds: readonly number[], counts: readonly number[], resolution: number): number {
  let variance = 0;
  let steps = 0;
  counts.forEach((c, k) => {
    if (c > 0) {
      variance += c * stds[k] ** 2;
      steps += c;
    }
  });
  return Math.sqrt(Math.max(variance / resolution ** 2, 6 * VARIANCE_FLOOR) / steps);
}

export function composerFor(
  phases: readonly Phase[],
  dir: Direction,
  stds: readonly number[],
  countsList: number[][],
  tail: number,
  spacing: number,
  maxFftSize: number,
): PldComposer {
  const maxTotal = Math.max(1, ...countsList.map((c) => c.reduce((s, x) => s + x, 0)));
  // Phases no query reaches get a point mass at 0.
  const used = phases.map((_, k) => countsList.some((c) => c[k] > 0));
  const stepTail = tail / (10 * maxTotal);
  const ranges = phases.map((p, k) => (used[k] ? stepLossRange(p.q, p.sigma, dir, stepTail, stds[k]) : null));
  let d = spacing;
  for (let attempt = 0; attempt < 64; attempt++) {
    const grids = ranges.map((r) => (r ? gridRange(r, d) : ([0, 0] as [number, number])));
    const longest = Math.max(...grids.map(([lo, hi]) => hi - lo + 1));
    if (longest > MAX_STEP_GRID) {
      d *= (1.05 * longest) / MAX_STEP_GRID;
      continue;
    }
    const pmfs: StepPmf[] = phases.map((p, k) =>
      used[k]
        ? stepPmf(p.q, p.sigma, dir, d, grids[k][0], grids[k][1])
        : { d, lo: 0, probs: Float64Array.of(1), infMass: 0 },
    );
    try {
      return new Composer(pmfs, countsList, tail, maxFftSize);
    } catch (e) {
      if (!(e instanceof WindowTooLargeError)) throw e;
      d *= Math.max(1.5, (1.05 * e.span) / maxFftSize);
    }
  }
  throw new Error('PRV accountant: could not fit the composed privacy loss distribution in memory');
}
