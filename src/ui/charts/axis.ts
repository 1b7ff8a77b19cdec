/**
 * The x axis of the training charts and drag-to-zoom, as pure functions. Each training has its own
 * step count (the DP teacher's 5 DP steps, the student's 400 distillation steps), so on a shared
 * step axis a short training is an invisible tick; the progress axis puts every training on
 * 0-100 % of its own steps instead.
 */
import type { XY } from '../decimate';

export type XAxisMode = 'progress' | 'step';

/** x of a point: its step, or its training's progress in percent (step / total). */
export function xOf(mode: XAxisMode, step: number, total: number | undefined): number {
  if (mode === 'step' || !total || !(total > 0)) return step;
  return (100 * step) / total;
}

export type Range = [number, number];

/** The points of a line inside [lo, hi], with one neighbour on each side so it reaches the edges. */
export function clipToRange(points: readonly XY[], range: Range | null): XY[] {
  if (!range) return points.slice();
  const [lo, hi] = range;
  let first = points.findIndex((p) => p.x >= lo);
  if (first < 0) return [];
  let last = first;
  while (last + 1 < points.length && points[last + 1].x <= hi) last++;
  if (points[first].x > hi) return [];
  first = Math.max(0, first - 1);
  last = Math.min(points.length - 1, last + 1);
  return points.slice(first, last + 1);
}

/** The extent of x over lines (null when empty). */
export function xExtent(lines: readonly { points: readonly XY[] }[]): Range | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const l of lines)
    for (const p of l.points) {
      if (p.x < lo) lo = p.x;
      if (p.x > hi) hi = p.x;
    }
  if (!(lo <= hi)) return null;
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/** The data x under a pixel, for a plot area [left, left + width] showing `domain`. */
export function pixelToX(px: number, left: number, width: number, domain: Range): number {
  const f = Math.min(1, Math.max(0, (px - left) / width));
  return domain[0] + f * (domain[1] - domain[0]);
}

/**
 * The zoom range of a drag from pixel a to pixel b, or null for a click or a drag narrower than
 * `minPixels` (a click must not zoom into nothing).
 */
export function dragToRange(
  a: number,
  b: number,
  left: number,
  width: number,
  domain: Range,
  minPixels = 6,
): Range | null {
  if (Math.abs(a - b) < minPixels || width <= 0) return null;
  const x1 = pixelToX(Math.min(a, b), left, width, domain);
  const x2 = pixelToX(Math.max(a, b), left, width, domain);
  return x2 > x1 ? [x1, x2] : null;
}

/** Points a log-scale axis can show (y > 0). */
export function positiveOnly(points: readonly XY[]): XY[] {
  return points.filter((p) => p.y > 0);
}

/**
 * About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten, as
 * d3's ticks): a zoomed or fixed domain gets "20, 40, 60" instead of "4.55, 29.5, 54.5".
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi)) || hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}
