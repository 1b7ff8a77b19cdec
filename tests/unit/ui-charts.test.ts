import { describe, expect, it } from 'vitest';
import { parseDelimited } from '../../src/data/csv';
import {
  clipToRange,
  dragToRange,
  niceTicks,
  pixelToX,
  positiveOnly,
  xExtent,
  xOf,
} from '../../src/ui/charts/axis';
import { chartCsv } from '../../src/ui/charts/chart-csv';
import { createChartViewStore } from '../../src/ui/charts/chart-view';
import { toCsv } from '../../src/ui/charts/csv';
import { emaSmooth } from '../../src/ui/charts/smoothing';

describe('emaSmooth (TensorBoard smoothing)', () => {
  it('matches a hand-computed debiased EMA', () => {
    // w = 0.5: s1 = 0.5*2 = 1 -> /0.5 = 2; s2 = 0.5 + 0.5*4 = 2.5 -> /0.75 = 3.333...;
    // s3 = 1.25 + 0.5*0 = 1.25 -> /0.875 = 1.428571...
    const out = emaSmooth([2, 4, 0], 0.5);
    expect(out[0]).toBeCloseTo(2, 12);
    expect(out[1]).toBeCloseTo(10 / 3, 12);
    expect(out[2]).toBeCloseTo(1.25 / 0.875, 12);
  });

  it('is the raw series at weight 0, keeps constants exact, and passes non-finite values through', () => {
    expect(emaSmooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(emaSmooth([0.1, 0.1, 0.1], 0.9)).toEqual([0.1, 0.1, 0.1]);
    const out = emaSmooth([1, Number.NaN, 3], 0.5);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeNaN();
    // The NaN did not enter the average: s2 = 0.5*0.5 + 0.5*3 = 1.75, debiased by 1 - 0.25.
    expect(out[2]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('reduces the variance of noise around a trend and rejects bad weights', () => {
    const noisy = Array.from({ length: 2000 }, (_, i) => 1 + (i % 2 ? 0.5 : -0.5));
    const smooth = emaSmooth(noisy, 0.9).slice(100);
    expect(Math.max(...smooth) - Math.min(...smooth)).toBeLessThan(0.1);
    expect(() => emaSmooth([1], 1)).toThrow(/\[0, 1\)/);
    expect(() => emaSmooth([1], -0.1)).toThrow(/\[0, 1\)/);
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and reads back with the ingest CSV parser', () => {
    const text = toCsv(
      ['name', 'value', 'note'],
      [
        ['a,b', 1.5, 'say "hi"'],
        ['line\nbreak', null, undefined],
        ['inf', Number.POSITIVE_INFINITY, Number.NaN],
      ],
    );
    expect(text.split('\r\n')[1]).toBe('"a,b",1.5,"say ""hi"""');
    const parsed = parseDelimited(text.replaceAll('\r\n', '\n'), ',');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => r.fields)).toEqual([
      ['name', 'value', 'note'],
      ['a,b', '1.5', 'say "hi"'],
      ['line\nbreak', '', ''],
      ['inf', 'inf', 'nan'],
    ]);
  });

  it('refuses rows of the wrong width', () => {
    expect(() => toCsv(['a', 'b'], [[1]])).toThrow(/row 1 has 1 fields, the header 2/);
  });
});

describe('chartCsv', () => {
  it('writes every point with progress, the smoothed value, and expected curves', () => {
    const text = chartCsv(
      'loss',
      [
        { series: 'distildp/teacher', label: 'DP teacher', steps: [1, 2], values: [2, 4], total: 4 },
        { series: 'distildp/teacher', label: 'plan', steps: [0], values: [0.5], total: 4, expected: true },
      ],
      0.5,
    );
    const rows = parseDelimited(text.replaceAll('\r\n', '\n'), ',').rows.map((r) => r.fields);
    expect(rows[0]).toEqual([
      'series',
      'label',
      'kind',
      'step',
      'progress_percent',
      'loss',
      'loss_smoothed_0.5',
    ]);
    expect(rows[1]).toEqual(['distildp/teacher', 'DP teacher', 'measured', '1', '25', '2', '2']);
    expect(Number(rows[2][6])).toBeCloseTo(10 / 3, 12);
    expect(rows[3]).toEqual(['distildp/teacher', 'plan', 'expected', '0', '0', '0.5', '']);
  });
});

describe('chart axis and zoom', () => {
  it('maps steps to progress per training', () => {
    expect(xOf('progress', 5, 20)).toBe(25);
    expect(xOf('step', 5, 20)).toBe(5);
    expect(xOf('progress', 5, undefined)).toBe(5);
  });

  it('clips a line to a range with one neighbour each side', () => {
    const pts = [0, 1, 2, 3, 4, 5].map((x) => ({ x, y: x * x }));
    expect(clipToRange(pts, [1.5, 3.5]).map((p) => p.x)).toEqual([1, 2, 3, 4]);
    expect(clipToRange(pts, null)).toEqual(pts);
    expect(clipToRange(pts, [6, 7])).toEqual([]);
    expect(clipToRange(pts, [2.2, 2.8]).map((p) => p.x)).toEqual([]);
  });

  it('turns a drag into a data range, and ignores clicks', () => {
    // Plot 200 px wide from x = 100 px, showing 0..50.
    expect(pixelToX(150, 100, 200, [0, 50])).toBe(12.5);
    expect(pixelToX(0, 100, 200, [0, 50])).toBe(0);
    expect(dragToRange(300, 150, 100, 200, [0, 50])).toEqual([12.5, 50]);
    expect(dragToRange(150, 153, 100, 200, [0, 50])).toBeNull();
  });

  it('extent and log-scale filtering', () => {
    expect(
      xExtent([
        { points: [{ x: 3, y: 0 }] },
        {
          points: [
            { x: 1, y: 0 },
            { x: 7, y: 1 },
          ],
        },
      ]),
    ).toEqual([1, 7]);
    expect(xExtent([{ points: [{ x: 2, y: 0 }] }])).toEqual([1, 3]);
    expect(xExtent([])).toBeNull();
    expect(
      positiveOnly([
        { x: 0, y: 0 },
        { x: 1, y: -1 },
        { x: 2, y: 0.5 },
      ]),
    ).toEqual([{ x: 2, y: 0.5 }]);
  });
});

describe('chart view store', () => {
  it('toggles lines and log scale per chart, clamps smoothing, and clears zoom on an axis change', () => {
    const s = createChartViewStore({ smoothing: 0, xAxis: 'step' });
    s.getState().toggleLine('loss', 'a');
    s.getState().toggleLine('loss', 'b');
    s.getState().toggleLine('loss', 'a');
    expect(s.getState().hidden.loss).toEqual(['b']);
    s.getState().toggleLog('loss');
    expect(s.getState().log).toEqual({ loss: true });
    s.getState().setSmoothing(5);
    expect(s.getState().smoothing).toBe(0.99);
    s.getState().setZoom('loss', [1, 2]);
    s.getState().setXAxis('progress');
    expect(s.getState().zoom).toEqual({});
  });
});

describe('niceTicks', () => {
  it('picks round steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(4.55, 29.5)).toEqual([5, 10, 15, 20, 25]);
    expect(niceTicks(0.12, 0.5, 4)).toEqual([0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});
