import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../contract/format';
import { BASELINES, type Baseline } from '../../contract/run-settings';
import { updateSettings } from '../controller';
import { askCancelRun, pauseRun, resumeRun, startRun } from '../run-commands';
import { isActive, runBlockers, runStatusText } from '../run-readiness';
import { useAppStore } from '../store';
import { AdvancedSettings } from './AdvancedSettings';
import { FailureBanner } from './FailureBanner';
import { NotifyToggle, RunEtaLine } from './RunEta';
import { BaselineStages, Stepper } from './Stepper';

const STORAGE_NAMES = { opfs: 'origin private file system', indexeddb: 'IndexedDB', memory: 'memory only' };

const BASELINE_TEXT: Record<Baseline, string> = {
  synthetic: 'Synthetic-only student (same DP teacher and text, hard labels only)',
  opd: 'On-policy student (learns on its own samples, scored by the same DP teacher)',
  dpsgd: 'DP-SGD student (trained on your data with DP-SGD)',
  dpkd: 'DPKD (DP teacher, then DP-SGD student with distillation)',
  nonprivate: 'Non-private teacher and student (no privacy: an upper bound)',
};

export function RunPanel() {
  const s = useAppStore(
    useShallow((st) => ({
      backend: st.backend,
      data: st.data,
      models: st.models,
      budget: st.budget,
      run: st.run,
      saved: st.saved,
      audit: st.audit,
    })),
  );
  const { run, budget } = s;
  const blockers = runBlockers(s);
  const active = isActive(run);
  const baselines = budget.settings.baselines;
  const canResume = run.runId !== null && (run.status === 'paused' || run.status === 'failed');
  const canCancel =
    run.runId !== null &&
    (run.status === 'running' ||
      run.status === 'pausing' ||
      run.status === 'paused' ||
      run.status === 'failed');
  const target = run.settings?.targetEpsilon ?? budget.settings.targetEpsilon;
  return (
    <section className="panel" id="run" aria-labelledby="run-heading">
      <h2 id="run-heading">Run</h2>
      <fieldset className="options" disabled={active}>
        <legend>Also run baselines at the same ε and δ (for the comparison table)</legend>
        {BASELINES.map((b) => (
          <label key={b}>
            <input
              type="checkbox"
              checked={baselines.includes(b)}
              onChange={(e) =>
                updateSettings({
                  baselines: e.currentTarget.checked ? [...baselines, b] : baselines.filter((x) => x !== b),
                })
              }
            />
            {BASELINE_TEXT[b]}
          </label>
        ))}
      </fieldset>
      <AdvancedSettings locked={active} />
      <div className="run-controls">
        <button
          type="button"
          className="primary"
          data-testid="start-run"
          disabled={blockers.length > 0}
          aria-describedby="run-blockers"
          onClick={() => startRun()}
        >
          Run DistilDP
        </button>
        <button
          type="button"
          className="secondary"
          data-testid="pause-run"
          disabled={run.status !== 'running'}
          onClick={pauseRun}
        >
          Pause
        </button>
        <button
          type="button"
          className="secondary"
          data-testid="resume-run"
          disabled={!canResume}
          onClick={() => run.runId && resumeRun(run.runId)}
        >
          Resume
        </button>
        <button
          type="button"
          className="secondary danger"
          data-testid="cancel-run"
          disabled={!canCancel}
          onClick={() => void askCancelRun(run.runId ?? undefined)}
        >
          Cancel run…
        </button>
      </div>
      {blockers.length > 0 && !active ? (
        <ul id="run-blockers" className="hint blockers">
          {blockers.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      ) : (
        <span id="run-blockers" hidden />
      )}
      <p
        className="run-status"
        role="status"
        aria-live="polite"
        data-testid="run-status"
        data-status={run.status}
      >
        {runStatusText(run, target)}
      </p>
      <RunEtaLine />
      <NotifyToggle />
      <FailureBanner />
      <Stepper run={run} />
      <BaselineStages run={run} />
      <p className="hint" data-testid="storage-info">
        Checkpoints (weights, optimizer state, ε history, synthetic text so far) and your documents are kept
        in this browser's private storage
        {s.saved.storage ? ` (${STORAGE_NAMES[s.saved.storage.kind]})` : ''}
        {s.saved.storage?.quotaBytes !== undefined
          ? `: ${formatBytes(s.saved.storage.usageBytes ?? 0)} used of ${formatBytes(s.saved.storage.quotaBytes)}`
          : ''}
        .
        {s.saved.persisted === false &&
          ' The browser did not grant persistent storage: under storage pressure it may evict them.'}{' '}
        Pause, a reload or a crash lose at most the steps since the last checkpoint. Cancel deletes them.
      </p>
    </section>
  );
}
