import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../src/contract/protocol';
import { metricLines, SeriesColumns } from '../../src/ui/chart-data';
import { lttb, lttbIndices } from '../../src/ui/decimate';

describe('LTTB decimation', () => {
  it('matches a hand-computed example', () => {
    // n = 6, threshold 4: bucket size 2. Bucket {1, 2} vs the mean (3.5, 2.5) of {3, 4} from (0,0):
    // areas 1 and 5 -> index 2. Bucket {3, 4} vs (5, 0) from (2, 0): areas 15 and 0 -> index 3.
    const x = [0, 1, 2, 3, 4, 5];
    const y = [0, 1, 0, 5, 0, 0];
    expect(lttbIndices(x, y, 4)).toEqual([0, 2, 3, 5]);
  });

  it('returns small inputs unchanged and drops non-finite values first', () => {
    expect(lttbIndices([1, 2, 3], [4, 5, 6], 10)).toEqual([0, 1, 2]);
    expect(lttbIndices([1, 2, 3, 4], [1, Number.NaN, Number.POSITIVE_INFINITY, 2], 3)).toEqual([0, 3]);
    const pts = [
      { x: 0, y: 1 },
      { x: 1, y: 2 },
    ];
    expect(lttb(pts, 5)).toEqual(pts);
  });

  it('keeps 1000 of 100k points: first, last, increasing, and a one-point spike', () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => Math.sin(i / 5000));
    y[54_321] = 40; // a loss spike must survive decimation
    const idx = lttbIndices(x, y, 1000);
    expect(idx).toHaveLength(1000);
    expect(idx[0]).toBe(0);
    expect(idx.at(-1)).toBe(n - 1);
    for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
    expect(idx).toContain(54_321);
    // A stride would keep every 100th point and miss it.
    expect(54_321 % 100).not.toBe(0);
  });

  it('rejects bad input', () => {
    expect(() => lttbIndices([1, 2], [1], 3)).toThrow(/2 x values but 1 y values/);
    expect(() => lttbIndices([1], [1], 2)).toThrow(/threshold must be an integer >= 3/);
  });
});

describe('metricLines', () => {
  it('splits points by series, keeps only the metric, sorts by step, and decimates each line', () => {
    const points: MetricPoint[] = [];
    for (let s = 1; s <= 500; s++) {
      points.push({ series: 'a', stage: 'teacher-dp', step: s, values: { loss: 1 / s, epsilon: s / 500 } });
      if (s % 2 === 0) points.push({ series: 'b', stage: 'distill', step: s / 2, values: { loss: 2 } });
    }
    points.push({ series: 'a', stage: 'teacher-dp', step: 501, values: { loss: Number.NaN } });
    const loss = metricLines(points, 'loss', 100);
    expect(loss.raw).toBe(750);
    expect(loss.lines.map((l) => l.series)).toEqual(['a', 'b']);
    expect(loss.lines[0].points).toHaveLength(100);
    expect(loss.lines[0].points[0]).toEqual({ x: 1, y: 1 });
    expect(loss.lines[0].points.at(-1)).toEqual({ x: 500, y: 1 / 500 });
    const eps = metricLines(points, 'epsilon', 1000);
    expect(eps.lines.map((l) => l.series)).toEqual(['a']);
    expect(eps.lines[0].points).toHaveLength(500);
  });
});

describe('SeriesColumns (incremental chart columns)', () => {
  const p = (series: string, step: number, loss: number, epsilon?: number): MetricPoint => ({
    series,
    stage: 'teacher-dp',
    step,
    values: epsilon === undefined ? { loss } : { loss, epsilon },
  });

  it('consumes appended points only, starts over when the list was replaced, and finds values by step', () => {
    const cols = new SeriesColumns();
    const first = [p('t', 1, 5, 0.1), p('t', 2, 4, 0.2)];
    expect(cols.update(first).lines('loss').raw).toBe(2);
    const appended = [...first, p('t', 3, 3, 0.3), p('s', 1, 9)];
    const lines = cols.update(appended).lines('loss');
    expect(lines.raw).toBe(4);
    expect(lines.lines.map((l) => [l.series, l.points.map((q) => q.y)])).toEqual([
      ['t', [5, 4, 3]],
      ['s', [9]],
    ]);
    expect(cols.lines('epsilon').lines.map((l) => l.series)).toEqual(['t']);
    expect(cols.valueAt('t', 'loss', 2)).toBe(4);
    expect(cols.valueAt('t', 'loss', 7)).toBeUndefined();
    // A resumed run replaced steps 3+ (a new list, not an extension): rebuilt from scratch.
    const replaced = [first[0], first[1], p('t', 3, 30)];
    expect(
      cols
        .update(replaced)
        .lines('loss')
        .lines.map((l) => l.points.map((q) => q.y)),
    ).toEqual([[5, 4, 30]]);
  });

  it('sorts a series whose steps arrived out of order', () => {
    const cols = new SeriesColumns().update([p('t', 2, 2), p('t', 1, 1), p('t', 3, 3)]);
    expect(cols.lines('loss').lines[0].points).toEqual([
      { x: 1, y: 1 },
      { x: 2, y: 2 },
      { x: 3, y: 3 },
    ]);
    expect(cols.valueAt('t', 'loss', 1)).toBe(1);
  });
});
