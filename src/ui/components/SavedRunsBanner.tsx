import { useShallow } from 'zustand/react/shallow';
import { isResumable, maxEpsilon, type RunManifest } from '../../contract/run-manifest';
import { cancelRun, openRun, resumeRun } from '../controller';
import { isActive } from '../run-readiness';
import { useAppStore } from '../store';

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

function describeRun(m: RunManifest): string {
  const stage = m.stage ? `${m.stage.method} ${m.stage.stage}` : 'the start';
  const how =
    m.status === 'failed' ? 'stopped by a failure' : m.status === 'paused' ? 'paused' : 'interrupted';
  return `Started ${dateFormat.format(m.createdAt)} on ${m.documents.toLocaleString('en-US')} documents; ${how} during ${stage}; ε spent so far ${maxEpsilon(m).toFixed(3)} of ${m.settings.targetEpsilon}.`;
}

/**
 * After a reload or a crash: offers to resume the newest unfinished run saved in this browser, or to
 * open the newest finished one.
 */
export function SavedRunsBanner() {
  const { runs, run } = useAppStore(useShallow((s) => ({ runs: s.saved.runs, run: s.run })));
  const shown = (m: RunManifest) => m.runId !== run.runId || run.status === 'idle';
  const unfinished = runs.find((m) => isResumable(m) && shown(m));
  const finished = runs.find((m) => m.status === 'completed' && shown(m));
  if (isActive(run) || (!unfinished && !finished)) return null;
  return (
    <section className="panel saved-runs" aria-labelledby="saved-heading" data-testid="saved-runs">
      <h2 id="saved-heading">{unfinished ? 'Resume your run' : 'Your last run'}</h2>
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
            <button type="button" className="secondary danger" onClick={() => cancelRun(unfinished.runId)}>
              Discard it
            </button>
          </div>
        </div>
      )}
      {!unfinished && finished && (
        <div className="picker-row">
          <span>
            Finished {dateFormat.format(finished.updatedAt)} on {finished.documents.toLocaleString('en-US')}{' '}
            documents at ε = {maxEpsilon(finished).toFixed(3)}.
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
