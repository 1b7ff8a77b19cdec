import { useShallow } from 'zustand/react/shallow';
import { isResumable, maxEpsilon } from '../../contract/run-manifest';
import { askDeleteRun, openRun, resumeRun } from '../run-commands';
import { isActive } from '../run-readiness';
import { dateFormat, describeRun, documentsText } from '../run-text';
import { useAppStore } from '../store';

/**
 * After a reload or a crash: offers to resume an unfinished run saved in this browser, or, when
 * nothing is shown yet, to open the newest finished one. A run on screen is never offered again.
 */
export function SavedRunsBanner() {
  const { runs, run } = useAppStore(useShallow((s) => ({ runs: s.saved.runs, run: s.run })));
  const onScreen = run.runId !== null && run.status !== 'cancelled';
  const unfinished = runs.find((m) => isResumable(m) && m.runId !== run.runId);
  const finished = onScreen ? undefined : runs.find((m) => m.status === 'completed');
  if (isActive(run) || (!unfinished && !finished)) return null;
  return (
    <section className="panel saved-runs" aria-labelledby="saved-heading" data-testid="saved-runs">
      <h2 id="saved-heading">
        {unfinished ? (onScreen ? 'Another run is unfinished' : 'Resume your run') : 'Your last run'}
      </h2>
      {unfinished && (
        <div data-testid="resume-offer" data-run-id={unfinished.runId}>
          <p>{describeRun(unfinished)}</p>
          {unfinished.failure && <p className="hint">{unfinished.failure.message}</p>}
          <div className="picker-row">
            <button
              type="button"
              className="primary"
              data-testid="resume-saved"
              onClick={() => resumeRun(unfinished.runId)}
            >
              Resume run
            </button>
            <button
              type="button"
              className="secondary danger"
              data-testid="discard-saved"
              onClick={() => void askDeleteRun(unfinished.runId, 'unfinished')}
            >
              Discard it…
            </button>
          </div>
        </div>
      )}
      {!unfinished && finished && (
        <div className="picker-row">
          <span>
            Finished {dateFormat.format(finished.updatedAt)} on {documentsText(finished)} at ε ={' '}
            {maxEpsilon(finished).toFixed(3)}.
          </span>
          <button
            type="button"
            className="secondary"
            data-testid="open-saved"
            onClick={() => openRun(finished.runId)}
          >
            Show results and downloads
          </button>
        </div>
      )}
    </section>
  );
}
