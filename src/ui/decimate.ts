/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps `threshold` of n points that preserve a
 * line's visual shape, so a chart of 100k training steps draws ~1000 points and stays smooth.
 * The first and last points are always kept; the rest is split into threshold - 2 buckets, and
 * from each bucket the point forming the largest triangle with the previously kept point and the
 * mean of the next bucket is kept (so spikes survive, unlike with averaging or striding).
 */

export interface XY {
  x: number;
  y: number;
}

/** Indices of the kept points, increasing. Points must be sorted by x; non-finite y are dropped first. */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, threshold: number): number[] {
  if (x.length !== y.length) throw new Error(`lttb: ${x.length} x values but ${y.length} y values`);
  if (!Number.isInteger(threshold) || threshold < 3)
    throw new Error(`lttb: threshold must be an integer >= 3, got ${threshold}`);
  const valid: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) valid.push(i);
  const n = valid.length;
  if (n <= threshold) return valid;
  const out: number[] = [valid[0]];
  const bucketSize = (n - 2) / (threshold - 2);
  let a = 0; // position (in `valid`) of the last kept point
  for (let b = 0; b < threshold - 2; b++) {
    const start = Math.floor(b * bucketSize) + 1;
    const end = Math.floor((b + 1) * bucketSize) + 1;
    // Mean of the next bucket (the last point for the last bucket).
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((b + 2) * bucketSize) + 1, n);
    let meanX = 0;
    let meanY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      meanX += x[valid[j]];
      meanY += y[valid[j]];
    }
    const count = nextEnd - nextStart;
    meanX /= count;
    meanY /= count;
    const ax = x[valid[a]];
    const ay = y[valid[a]];
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      // Twice the triangle's area; the factor does not change which point wins.
      const area = Math.abs((ax - meanX) * (y[valid[j]] - ay) - (ax - x[valid[j]]) * (meanY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(valid[best]);
    a = best;
  }
  out.push(valid[n - 1]);
  return out;
}

/** LTTB over points; returns the kept points (the input itself when already small enough). */
export function lttb(points: readonly XY[], threshold: number): XY[] {
  const idx = lttbIndices(
    points.map((p) => p.x),
    points.map((p) => p.y),
    threshold,
  );
  if (idx.length === points.length) return points.slice();
  return idx.map((i) => points[i]);
}

/** Charts draw about this many points per line, whatever the run's length. */
export const CHART_POINTS = 1000;
