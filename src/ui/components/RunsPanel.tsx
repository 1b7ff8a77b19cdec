import { useShallow } from 'zustand/react/shallow';
import { isResumable, maxEpsilon, type RunManifest } from '../../contract/run-manifest';
import { compareRun } from '../controller';
import { askDeleteRun, openRun, resumeRun } from '../run-commands';
import { isActive } from '../run-readiness';
import { dateFormat, settingsText, statusWord } from '../run-text';
import { useAppStore } from '../store';
import { CompareResults } from './CompareResults';

function studentPpl(m: RunManifest): string {
  const row = m.results?.find((r) => r.method === 'distildp' && r.model === 'student');
  return row ? row.test_ppl.toFixed(2) : '–';
}

/** Every run saved in this browser: open, resume, compare with the run shown, delete. */
export function RunsPanel() {
  const { runs, shownId, active, compareId, clearCompare } = useAppStore(
    useShallow((s) => ({
      runs: s.saved.runs,
      shownId: s.run.status === 'cancelled' ? null : s.run.runId,
      active: isActive(s.run),
      compareId: s.compare?.runId ?? null,
      clearCompare: s.clearCompare,
    })),
  );
  const list = runs.filter((m) => m.status !== 'cancelled');
  return (
    <section className="panel" id="runs" aria-labelledby="runs-heading">
      <h2 id="runs-heading">Runs in this browser</h2>
      {list.length === 0 ? (
        <p className="hint">
          Every run you start is kept here (until you delete it), with its settings and results.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="file-table runs-table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                <th scope="col">Data and settings</th>
                <th scope="col" className="num">
                  ε spent
                </th>
                <th scope="col" className="num">
                  Student PPL
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => {
                const shown = m.runId === shownId;
                return (
                  <tr
                    key={m.runId}
                    data-testid="saved-run"
                    data-run-id={m.runId}
                    data-status={m.status}
                    aria-current={shown ? 'true' : undefined}
                    className={shown ? 'run-shown' : undefined}
                  >
                    <th scope="row">
                      {dateFormat.format(m.createdAt)}
                      {shown && <span className="hint"> (shown)</span>}
                      {m.runId === compareId && <span className="hint"> (compared)</span>}
                    </th>
                    <td>{statusWord(m)}</td>
                    <td>{settingsText(m)}</td>
                    <td className="num">
                      {maxEpsilon(m).toFixed(3)} of {m.settings.targetEpsilon}
                    </td>
                    <td className="num">{studentPpl(m)}</td>
                    <td>
                      <div className="run-actions">
                        {!shown && (
                          <button
                            type="button"
                            className="secondary"
                            data-testid="run-open"
                            disabled={active}
                            onClick={() => openRun(m.runId)}
                          >
                            Open
                          </button>
                        )}
                        {isResumable(m) && !shown && (
                          <button
                            type="button"
                            className="secondary"
                            disabled={active}
                            onClick={() => resumeRun(m.runId)}
                          >
                            Resume
                          </button>
                        )}
                        {!shown && shownId && (
                          <button
                            type="button"
                            className="secondary"
                            data-testid="run-compare"
                            aria-pressed={m.runId === compareId}
                            onClick={() => (m.runId === compareId ? clearCompare() : compareRun(m.runId))}
                          >
                            {m.runId === compareId ? 'Stop comparing' : 'Compare'}
                          </button>
                        )}
                        <button
                          type="button"
                          className="secondary danger"
                          data-testid="run-delete"
                          disabled={shown && active}
                          onClick={() =>
                            void askDeleteRun(m.runId, isResumable(m) ? 'unfinished' : 'finished')
                          }
                        >
                          Delete…
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <CompareResults />
    </section>
  );
}
