/**
 * Turns the run's metric points into decimated chart lines: one line per series that has the
 * metric, at most ~1000 points each (LTTB), so 100k-step runs draw as fast as short ones.
 *
 * `SeriesColumns` keeps, per series and metric, the steps and values as plain number columns and
 * consumes only the points added since its last update (the store appends; a resumed run that
 * replaced points makes it start over), so an update at 10 events per second costs O(new points)
 * plus one O(n) LTTB pass per line, not a rebuild of 100k objects.
 */
import type { MetricPoint } from '../contract/protocol';
import { CHART_POINTS, lttbIndices, type XY } from './decimate';

interface Column {
  x: number[];
  y: number[];
  /** False once a step arrived out of order (then sorted before use). */
  sorted: boolean;
}

export interface MetricLines {
  /** Series (in first-seen order) -> its points, decimated. */
  lines: { series: string; points: XY[] }[];
  /** Points before decimation. */
  raw: number;
}

export class SeriesColumns {
  private consumed = 0;
  private lastSeen: MetricPoint | undefined;
  /** series -> metric -> column. */
  private data = new Map<string, Map<string, Column>>();

  /** Takes in the points appended since the last call (or all of them, if the list was replaced). */
  update(points: readonly MetricPoint[]): this {
    const extends_ =
      points.length >= this.consumed && (this.consumed === 0 || points[this.consumed - 1] === this.lastSeen);
    if (!extends_) {
      this.data.clear();
      this.consumed = 0;
    }
    for (let i = this.consumed; i < points.length; i++) {
      const p = points[i];
      let metrics = this.data.get(p.series);
      if (!metrics) {
        metrics = new Map();
        this.data.set(p.series, metrics);
      }
      for (const [metric, value] of Object.entries(p.values)) {
        if (!Number.isFinite(value)) continue;
        let col = metrics.get(metric);
        if (!col) {
          col = { x: [], y: [], sorted: true };
          metrics.set(metric, col);
        }
        if (col.x.length && p.step < col.x[col.x.length - 1]) col.sorted = false;
        col.x.push(p.step);
        col.y.push(value);
      }
    }
    this.consumed = points.length;
    this.lastSeen = points.at(-1);
    return this;
  }

  private column(series: string, metric: string): Column | undefined {
    const col = this.data.get(series)?.get(metric);
    if (col && !col.sorted) {
      const order = col.x.map((_, i) => i).sort((a, b) => col.x[a] - col.x[b]);
      col.x = order.map((i) => col.x[i]);
      col.y = order.map((i) => col.y[i]);
      col.sorted = true;
    }
    return col;
  }

  lines(metric: string, maxPoints = CHART_POINTS): MetricLines {
    const lines: MetricLines['lines'] = [];
    let raw = 0;
    for (const series of this.data.keys()) {
      const col = this.column(series, metric);
      if (!col || col.x.length === 0) continue;
      raw += col.x.length;
      const keep = lttbIndices(col.x, col.y, Math.max(3, maxPoints));
      lines.push({ series, points: keep.map((i) => ({ x: col.x[i], y: col.y[i] })) });
    }
    return { lines, raw };
  }

  /** The value of `metric` at `step` in a series (binary search), if recorded. */
  valueAt(series: string, metric: string, step: number): number | undefined {
    const col = this.column(series, metric);
    if (!col) return undefined;
    let lo = 0;
    let hi = col.x.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (col.x[mid] === step) return col.y[mid];
      if (col.x[mid] < step) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** One-off decimated lines of a metric (tests, small inputs). */
export function metricLines(
  points: readonly MetricPoint[],
  metric: string,
  maxPoints = CHART_POINTS,
): MetricLines {
  return new SeriesColumns().update(points).lines(metric, maxPoints);
}
