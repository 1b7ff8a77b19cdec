import { useShallow } from 'zustand/react/shallow';
import { formatDuration } from '../../contract/format';
import { downloadText } from '../downloads';
import { formatVsBase, gainSharesText, resultsCsv, resultTable, type TableRow } from '../results-table';
import { useAppStore } from '../store';
import { SyntheticFidelityNote } from './SyntheticFidelityNote';

function epsilonText(r: TableRow): string {
  if (r.epsilon === undefined) return '–';
  return r.epsilon === null ? '∞' : r.epsilon.toFixed(3);
}

/** The comparison table of the pipeline: every method's model on the held-out test documents. */
export function ResultsPanel() {
  const { results, base, runId, tiny } = useAppStore(
    useShallow((s) => ({
      results: s.run.results,
      base: s.run.base,
      runId: s.run.runId,
      tiny:
        s.run.settings?.profile === 'tiny' ||
        Object.values(s.run.manifest?.models ?? {}).some((m) => m.name === 'tiny'),
    })),
  );
  const rows = resultTable(results, base);
  const gainShares = gainSharesText(rows);
  return (
    <section className="panel" id="results" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      {rows.length === 0 ? (
        <p className="hint">Each finished model is evaluated on the test documents and listed here.</p>
      ) : (
        <>
          {tiny && (
            <p className="alert alert-warn" data-testid="tiny-models-note">
              These results come from the tiny test models (random weights, 2 layers of width 32) and the tiny
              run sizes (<code>?models=tiny</code>): they show that the pipeline works, not what DistilDP
              achieves. Open the app without <code>?models=tiny</code> for the pretrained models.
            </p>
          )}
          <div className="table-wrap">
            <table className="file-table" data-testid="results-table">
              <caption>
                Perplexity (PPL) and bits per byte on the held-out test documents:{' '}
                <strong>lower is better</strong>.
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
                    vs base
                  </th>
                  <th scope="col" className="num">
                    Bits / byte
                  </th>
                  <th scope="col" className="num" aria-describedby="results-time-note">
                    Time
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr
                    key={r.key}
                    data-testid="result-row"
                    data-method={r.method}
                    data-model={r.model}
                    className={r.method === 'base' ? 'result-base' : undefined}
                  >
                    <th scope="row">{r.methodLabel}</th>
                    <td>{r.model}</td>
                    <td className="num" data-testid="result-epsilon">
                      {epsilonText(r)}
                    </td>
                    <td className="num">{r.delta == null ? '–' : r.delta.toExponential(2)}</td>
                    <td className="num" data-testid="result-ppl">
                      {r.ppl.toFixed(2)}
                    </td>
                    <td className="num" data-testid="result-vs-base">
                      {formatVsBase(r.vsBase)}
                    </td>
                    <td className="num">{r.bitsPerByte.toFixed(3)}</td>
                    <td className="num">{r.wallSeconds === null ? '–' : formatDuration(r.wallSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {gainShares && (
            <p className="hint" data-testid="results-gain-shares">
              <strong>Did the private models learn your documents?</strong> Of what fine-tuning without
              privacy gained over the base model, each private model reached: {gainShares} (100 %: as good as
              non-private; 0 %: no better than the base model).
            </p>
          )}
          <SyntheticFidelityNote rows={results} />
          <ul className="hint results-notes" data-testid="results-notes">
            <li>
              Read each row against its <strong>base model</strong> (the same model before any training): a
              negative "vs base" means the method improved it. The <strong>non-private</strong> rows (when
              run) show what fine-tuning without privacy reaches: the gap to them is the price of privacy.
            </li>
            <li>
              ε and δ are each method's total privacy cost on your documents (∞: no privacy); base models
              never saw your data.
            </li>
            <li id="results-time-note">
              Time is the wall-clock time of every stage that row needed, shared stages included: the DP
              teacher and the synthetic text count in both the DistilDP and the synthetic-only rows, so the
              times do not add up to the run's.
            </li>
          </ul>
          <button
            type="button"
            className="secondary"
            data-testid="results-csv"
            onClick={() =>
              downloadText(
                resultsCsv(rows),
                `distildp-results-${(runId ?? 'run').slice(0, 8)}.csv`,
                'text/csv',
              )
            }
          >
            Download the table (CSV)
          </button>
        </>
      )}
    </section>
  );
}
