/**
 * The data behind a training chart as CSV: every recorded point (not the decimated ones drawn),
 * one row per (series, step), with the training's progress and, when smoothing is on, the
 * smoothed value the chart draws. Expected ε curves come as extra rows marked `expected`.
 */
import { toCsv } from './csv';
import { emaSmooth } from './smoothing';

export interface CsvSeries {
  series: string;
  label: string;
  steps: readonly number[];
  values: readonly number[];
  /** Steps of the training (for the progress column), when known. */
  total?: number;
  /** A planned curve rather than measured values. */
  expected?: boolean;
}

export function chartCsv(metric: string, series: readonly CsvSeries[], smoothing: number): string {
  const header = ['series', 'label', 'kind', 'step', 'progress_percent', metric];
  if (smoothing > 0) header.push(`${metric}_smoothed_${smoothing}`);
  const rows: (string | number | null)[][] = [];
  for (const s of series) {
    const smoothed = smoothing > 0 && !s.expected ? emaSmooth(s.values, smoothing) : null;
    s.steps.forEach((step, i) => {
      const row: (string | number | null)[] = [
        s.series,
        s.label,
        s.expected ? 'expected' : 'measured',
        step,
        s.total ? +((100 * step) / s.total).toPrecision(6) : null,
        s.values[i],
      ];
      if (smoothing > 0) row.push(smoothed ? smoothed[i] : null);
      rows.push(row);
    });
  }
  return toCsv(header, rows);
}
