import { useShallow } from 'zustand/react/shallow';
import type { ResultRow } from '../../contract/protocol';
import { pairResults } from '../compare-slice';
import { METHOD_LABELS } from '../labels';
import { dateFormat, settingsText } from '../run-text';
import { useAppStore } from '../store';

const ppl = (r: ResultRow | undefined) => (r ? r.test_ppl.toFixed(2) : '–');
const eps = (r: ResultRow | undefined) => (r ? (r.epsilon === null ? '∞' : r.epsilon.toFixed(3)) : '–');

/** The results of the run shown (A) and a compared run (B) side by side. */
export function CompareResults() {
  const { compare, shown, manifest, clearCompare } = useAppStore(
    useShallow((s) => ({
      compare: s.compare,
      shown: s.run.results,
      manifest: s.run.manifest,
      clearCompare: s.clearCompare,
    })),
  );
  if (!compare) return null;
  const rows = pairResults(shown, compare.results);
  return (
    <div className="compare" data-testid="compare">
      <h3>Comparing two runs</h3>
      <dl className="facts">
        <dt>A (shown)</dt>
        <dd>
          {manifest ? `${dateFormat.format(manifest.createdAt)}: ${settingsText(manifest)}` : 'the run shown'}
        </dd>
        <dt>B (dotted lines on the charts)</dt>
        <dd>
          {dateFormat.format(compare.manifest.createdAt)}: {settingsText(compare.manifest)}
        </dd>
      </dl>
      <div className="table-wrap">
        <table className="file-table" data-testid="compare-table">
          <caption>Test perplexity (lower is better) and ε of each run, side by side.</caption>
          <thead>
            <tr>
              <th scope="col">Method</th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                PPL A
              </th>
              <th scope="col" className="num">
                PPL B
              </th>
              <th scope="col" className="num">
                ε A
              </th>
              <th scope="col" className="num">
                ε B
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-testid="compare-row" data-method={r.method} data-model={r.model}>
                <th scope="row">{METHOD_LABELS[r.method] ?? r.method}</th>
                <td>{r.model}</td>
                <td className="num">{ppl(r.shown)}</td>
                <td className="num" data-testid="compare-ppl-b">
                  {ppl(r.other)}
                </td>
                <td className="num">{eps(r.shown)}</td>
                <td className="num">{eps(r.other)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" className="secondary" onClick={clearCompare}>
        Stop comparing
      </button>
    </div>
  );
}
