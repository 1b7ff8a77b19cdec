import { formatDuration } from '../../contract/format';
import type { ResultRow } from '../../contract/protocol';
import { useAppStore } from '../store';
import { SyntheticFidelityNote } from './SyntheticFidelityNote';

const METHOD_TEXT: Record<ResultRow['method'], string> = {
  distildp: 'DistilDP',
  synthetic: 'Synthetic-only',
  dpsgd: 'DP-SGD',
  dpkd: 'DPKD',
  opd: 'On-policy distillation',
  nonprivate: 'Non-private',
};

/** The comparison table of the pipeline: every method's model on the held-out test documents. */
export function ResultsPanel() {
  const rows = useAppStore((s) => s.run.results);
  return (
    <section className="panel" id="results" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      {rows.length === 0 ? (
        <p className="hint">Each finished model is evaluated on the test documents and listed here.</p>
      ) : (
        <div className="table-wrap">
          <table className="file-table" data-testid="results-table">
            <caption>
              Perplexity (lower is better) and bits per byte on the test split; ε and δ are each method's
              total privacy cost.
            </caption>
            <thead>
              <tr>
                <th scope="col">Method</th>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  ε
                </th>
                <th scope="col" className="num">
                  δ
                </th>
                <th scope="col" className="num">
                  Test PPL
                </th>
                <th scope="col" className="num">
                  Bits / byte
                </th>
                <th scope="col" className="num">
                  Time
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={`${r.method}/${r.model}`}
                  data-testid="result-row"
                  data-method={r.method}
                  data-model={r.model}
                >
                  <th scope="row">{METHOD_TEXT[r.method]}</th>
                  <td>{r.model}</td>
                  <td className="num" data-testid="result-epsilon">
                    {r.epsilon === null ? '∞' : r.epsilon.toFixed(3)}
                  </td>
                  <td className="num">{r.delta === null ? '–' : r.delta.toExponential(2)}</td>
                  <td className="num" data-testid="result-ppl">
                    {r.test_ppl.toFixed(2)}
                  </td>
                  <td className="num">{r.bits_per_byte.toFixed(3)}</td>
                  <td className="num">{formatDuration(r.wall_s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <SyntheticFidelityNote rows={rows} />
        </div>
      )}
    </section>
  );
}
