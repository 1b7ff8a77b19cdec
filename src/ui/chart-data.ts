/**
 * Turns the run's metric points into decimated chart lines: one line per series that has the
 * metric, at most CHART_POINTS points each (LTTB), so 100k-step runs draw as fast as short ones.
 */
import type { MetricPoint } from '../worker/protocol';
import { CHART_POINTS, lttb, type XY } from './decimate';

export interface MetricLines {
  /** Series (in first-seen order) -> its points, decimated. */
  lines: { series: string; points: XY[] }[];
  /** Points before decimation. */
  raw: number;
}

export function metricLines(
  points: readonly MetricPoint[],
  metric: string,
  maxPoints = CHART_POINTS,
): MetricLines {
  const bySeries = new Map<string, XY[]>();
  let raw = 0;
  for (const p of points) {
    const y = p.values[metric];
    if (y === undefined || !Number.isFinite(y)) continue;
    let list = bySeries.get(p.series);
    if (!list) {
      list = [];
      bySeries.set(p.series, list);
    }
    list.push({ x: p.step, y });
    raw++;
  }
  const lines = [...bySeries].map(([series, list]) => {
    list.sort((a, b) => a.x - b.x);
    return { series, points: lttb(list, maxPoints) };
  });
  return { lines, raw };
}
