import { seriesLabel } from '../../contract/series';
import type { MetricLines, SeriesColumns } from '../chart-data';
import { lttb } from '../decimate';

/** Rows per DP training (decimated beyond that, keeping the shape of the ε curve). */
const ROWS = 200;

/**
 * The DP trainings' ε and loss per step as tables: for screen readers, and to check the history
 * exactly. `epsilon` are the chart's ε lines; the loss at each row's step comes from the columns.
 */
export function DPMetricsTable({ epsilon, columns }: { epsilon: MetricLines; columns: SeriesColumns }) {
  if (epsilon.lines.length === 0) return null;
  return (
    <details className="data-table">
      <summary>ε spent and loss as a table</summary>
      {epsilon.lines.map(({ series, points }) => (
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
            {lttb(points, ROWS).map((p) => {
              const loss = columns.valueAt(series, 'loss', p.x);
              return (
                <tr
                  key={p.x}
                  data-testid="epsilon-row"
                  data-step={p.x}
                  data-epsilon={p.y}
                  data-loss={loss ?? ''}
                >
                  <td>{p.x}</td>
                  <td>{p.y.toFixed(4)}</td>
                  <td>{loss === undefined ? '–' : loss.toFixed(4)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ))}
    </details>
  );
}
