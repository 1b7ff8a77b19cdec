import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AuditMethod, AuditMode } from '../../contract/audit-protocol';
import { formatDuration } from '../../contract/format';
import { startAudit, stopAudit } from '../audit-commands';
import { auditEtaSeconds, isAuditActive } from '../audit-slice';
import { auditBlockers } from '../run-readiness';
import { useAppStore } from '../store';

/** What can be audited, in the words the select shows. */
const CHOICES: { mode: AuditMode; method: AuditMethod; text: string }[] = [
  { mode: 'whitebox', method: 'distildp', text: "White-box: the DP-SGD step of DistilDP's teacher" },
  { mode: 'whitebox', method: 'dpsgd', text: 'White-box: the DP-SGD step of the DP-SGD student' },
  {
    mode: 'blackbox',
    method: 'distildp',
    text: 'Black-box: the released DistilDP teacher and student (slow)',
  },
  { mode: 'blackbox', method: 'dpsgd', text: 'Black-box: the released DP-SGD student' },
  {
    mode: 'blackbox',
    method: 'nonprivate',
    text: 'Black-box: a non-private fine-tune (what a leak looks like)',
  },
];

const PHASE_TEXT: Record<string, string> = {
  train: 'Training with canaries',
  generate: 'Generating synthetic text',
  distill: 'Distilling the student',
  score: 'Scoring the canaries',
};

/**
 * The privacy audit: trains separately on the same settings with made-up canaries and reports a
 * statistical lower bound on epsilon next to the claimed one, in plain words.
 */
export function AuditPanel() {
  const s = useAppStore(
    useShallow((st) => ({
      backend: st.backend,
      data: st.data,
      models: st.models,
      budget: st.budget,
      run: st.run,
      audit: st.audit,
    })),
  );
  const [choice, setChoice] = useState(0);
  const { audit } = s;
  const active = isAuditActive(audit);
  const blockers = auditBlockers(s);
  const p = audit.progress;
  const eta = auditEtaSeconds(p);
  const r = audit.result;
  return (
    <section className="panel" id="audit" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Privacy audit</h2>
      <p className="hint">
        Checks, by experiment, that training leaks no more than its ε. The audit trains a separate copy of the
        model with your budget settings and made-up test records (canaries); your run and its exports are not
        touched, and the canaries never leave this tab.
      </p>
      <div className="run-controls">
        <label>
          What to audit{' '}
          <select
            value={choice}
            disabled={active}
            data-testid="audit-choice"
            onChange={(e) => setChoice(Number(e.currentTarget.value))}
          >
            {CHOICES.map((c, i) => (
              <option key={c.text} value={i}>
                {c.text}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="primary"
          data-testid="start-audit"
          disabled={active || blockers.length > 0}
          onClick={() => startAudit(CHOICES[choice].mode, CHOICES[choice].method)}
        >
          Audit privacy
        </button>
        <button
          type="button"
          className="secondary"
          data-testid="stop-audit"
          disabled={audit.status !== 'running'}
          onClick={stopAudit}
        >
          Stop audit
        </button>
      </div>
      {!active && blockers.length > 0 && (
        <ul className="hint blockers">
          {blockers.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      )}
      <p
        className="run-status"
        role="status"
        aria-live="polite"
        data-testid="audit-status"
        data-status={audit.status}
      >
        {audit.status === 'running' && (p ? `${PHASE_TEXT[p.phase] ?? p.phase}…` : 'Starting the audit…')}
        {audit.status === 'stopping' && 'Stopping the audit…'}
        {audit.status === 'stopped' && 'The audit was stopped; no result.'}
        {audit.status === 'error' && `The audit failed: ${audit.error}`}
      </p>
      {active && p && (
        <span className="stage-progress">
          <progress
            max={Math.max(1, p.total)}
            value={Math.min(p.done, p.total)}
            aria-label="audit progress"
          />
          <span className="stage-counts">
            {p.done} / {p.total}
            {eta !== null && <span data-testid="audit-eta"> · about {formatDuration(eta)} left</span>}
          </span>
        </span>
      )}
      {r && audit.status === 'done' && (
        <div className={r.violatesClaim ? 'alert alert-error' : 'audit-result'} data-testid="audit-result">
          <p className="audit-headline" data-testid="audit-headline">
            <strong>{r.headline}</strong>
          </p>
          <p data-testid="audit-explanation">{r.explanation}</p>
          <p className="hint">
            {r.report.canaries} canaries; {r.report.correct} of {r.report.guesses} membership guesses right;
            analysis: {r.analysis === 'fdp' ? 'f-DP (Mahloujifar et al. 2025)' : 'Steinke et al. 2023'}
            {r.noisyUpdate ? `; noise path: ${r.noisyUpdate}` : ''}; δ {r.report.delta.toExponential(2)};{' '}
            {formatDuration(r.report.wall_s)}.
          </p>
          {r.released.length > 0 && (
            <ul className="hint">
              {r.released.map((m) => (
                <li key={m.model}>
                  {m.model}: bound {m.bound.toFixed(2)}, exposure of added secrets{' '}
                  {m.exposureIncluded.toFixed(1)} bits (secrets left out: {m.exposureExcluded.toFixed(1)})
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
