import { seriesLabel } from '../../worker/series';
import { lttb, type XY } from '../decimate';

/** Rows of the table (per series; decimated beyond that). */
const ROWS = 200;

/** The ε chart as a table, for screen readers and for checking the history exactly. */
export function EpsilonTable({ lines }: { lines: { series: string; points: XY[] }[] }) {
  if (lines.length === 0) return null;
  return (
    <details className="data-table">
      <summary>ε spent as a table</summary>
      {lines.map((l) => (
        <table key={l.series} className="file-table" data-testid="epsilon-table" data-series={l.series}>
          <caption>{seriesLabel(l.series)}</caption>
          <thead>
            <tr>
              <th scope="col">DP-SGD step</th>
              <th scope="col">ε spent</th>
            </tr>
          </thead>
          <tbody>
            {lttb(l.points, ROWS).map((p) => (
              <tr key={p.x} data-testid="epsilon-row" data-step={p.x} data-epsilon={p.y}>
                <td>{p.x}</td>
                <td>{p.y.toFixed(4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </details>
  );
}
