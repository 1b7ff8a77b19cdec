import { useMemo } from 'react';
import type { MetricPoint } from '../../worker/protocol';
import { seriesLabel } from '../../worker/series';
import { lttbIndices } from '../decimate';

/** Rows per DP training (decimated beyond that, keeping the shape of the ε curve). */
const ROWS = 200;

interface Row {
  step: number;
  epsilon: number;
  loss?: number;
}

function dpRows(points: readonly MetricPoint[]): Map<string, Row[]> {
  const bySeries = new Map<string, Row[]>();
  for (const p of points) {
    const epsilon = p.values.epsilon;
    if (epsilon === undefined) continue;
    const rows = bySeries.get(p.series) ?? [];
    rows.push({ step: p.step, epsilon, loss: p.values.loss });
    bySeries.set(p.series, rows);
  }
  for (const [series, rows] of bySeries) {
    rows.sort((a, b) => a.step - b.step);
    const keep = lttbIndices(
      rows.map((r) => r.step),
      rows.map((r) => r.epsilon),
      ROWS,
    );
    bySeries.set(
      series,
      keep.map((i) => rows[i]),
    );
  }
  return bySeries;
}

/** The DP trainings' ε and loss per step as tables: for screen readers, and to check the history exactly. */
export function DPMetricsTable({ points }: { points: readonly MetricPoint[] }) {
  const tables = useMemo(() => dpRows(points), [points]);
  if (tables.size === 0) return null;
  return (
    <details className="data-table">
      <summary>ε spent and loss as a table</summary>
      {[...tables].map(([series, rows]) => (
        <table key={series} className="file-table" data-testid="epsilon-table" data-series={series}>
          <caption>{seriesLabel(series)}</caption>
          <thead>
            <tr>
              <th scope="col">DP-SGD step</th>
              <th scope="col">ε spent</th>
              <th scope="col">loss (nats / token)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.step}
                data-testid="epsilon-row"
                data-step={r.step}
                data-epsilon={r.epsilon}
                data-loss={r.loss ?? ''}
              >
                <td>{r.step}</td>
                <td>{r.epsilon.toFixed(4)}</td>
                <td>{r.loss === undefined ? '–' : r.loss.toFixed(4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </details>
  );
}
