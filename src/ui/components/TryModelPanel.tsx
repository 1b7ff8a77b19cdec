import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { TrySource } from '../../contract/protocol';
import { isActive } from '../run-readiness';
import { cleanSampleText } from '../samples';
import { useAppStore } from '../store';
import { setTrySettings, startGeneration, stopGeneration, trySettingsErrors, useTry } from '../try-model';
import { CleanTextView } from './CleanTextView';
import { NumberField } from './NumberField';

type Choice = 'run-student' | 'run-teacher' | 'base-student' | 'base-teacher';

const CHOICES: { value: Choice; label: string; needsRun: boolean }[] = [
  { value: 'run-student', label: 'DistilDP student (this run)', needsRun: true },
  { value: 'run-teacher', label: 'DP teacher (this run)', needsRun: true },
  { value: 'base-student', label: 'Base student (never saw your data)', needsRun: false },
  { value: 'base-teacher', label: 'Base teacher (never saw your data)', needsRun: false },
];

const TRY_FIELDS: {
  key: 'maxNewTokens' | 'temperature' | 'topK' | 'topP';
  label: string;
  help?: string;
  testId: string;
}[] = [
  { key: 'maxNewTokens', label: 'Length (new tokens)', testId: 'try-length' },
  {
    key: 'temperature',
    label: 'Temperature',
    help: '0 = always the most likely token; higher = more varied.',
    testId: 'try-temperature',
  },
  { key: 'topK', label: 'Top-k', help: 'Only the k most likely tokens (0 = off).', testId: 'try-top-k' },
  {
    key: 'topP',
    label: 'Top-p',
    help: 'Only the most likely tokens up to this probability (1 = off).',
    testId: 'try-top-p',
  },
];

function sourceOf(choice: Choice, runId: string | null): TrySource | null {
  const role = choice.endsWith('student') ? 'student' : 'teacher';
  if (choice.startsWith('base')) return { kind: 'base', role };
  return runId ? { kind: 'run', runId, role } : null;
}

/** A prompt box: the run's student or teacher (or a base model) continues it, token by token. */
export function TryModelPanel() {
  const { runId, finished, busy, contextLength } = useAppStore(
    useShallow((s) => ({
      runId: s.run.runId,
      finished: s.run.status === 'completed',
      busy: isActive(s.run),
      contextLength: Math.min(
        s.models.student.info?.config.contextLength ?? 128,
        s.models.teacher.info?.config.contextLength ?? 128,
      ),
    })),
  );
  const t = useTry((s) => s);
  const [choice, setChoice] = useState<Choice>('run-student');
  const id = useId();
  const usable = (c: (typeof CHOICES)[number]) => !c.needsRun || finished;
  const picked = CHOICES.find((c) => c.value === choice && usable(c)) ? choice : 'base-student';
  const source = sourceOf(picked, runId);
  const errors = trySettingsErrors(t.settings, contextLength);
  const generating = t.status === 'generating';
  const shown = cleanSampleText(t.text);
  return (
    <section className="panel" id="try" aria-labelledby="try-heading">
      <h2 id="try-heading">Try your model</h2>
      <p className="hint">
        Type the beginning of a text; the model writes on. It runs here, in this browser. What the DP models
        write is covered by their guarantee (it is post-processing), so it is safe to show.
        {!finished && ' The run’s own models are available when a run has finished.'}
      </p>
      <div className="picker-row try-controls">
        <label htmlFor={`${id}-model`}>Model</label>
        <select
          id={`${id}-model`}
          value={picked}
          data-testid="try-model"
          onChange={(e) => setChoice(e.currentTarget.value as Choice)}
        >
          {CHOICES.map((c) => (
            <option key={c.value} value={c.value} disabled={!usable(c)}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      <label htmlFor={`${id}-prompt`} className="field-label">
        Prompt
      </label>
      <textarea
        id={`${id}-prompt`}
        className="try-prompt"
        rows={3}
        value={t.settings.prompt}
        data-testid="try-prompt"
        placeholder="The ships left the harbour"
        onChange={(e) => setTrySettings({ prompt: e.currentTarget.value })}
      />
      <div className="budget-form">
        {TRY_FIELDS.map((f) => (
          <NumberField
            key={f.key}
            label={f.label}
            value={t.settings[f.key]}
            help={f.help}
            testId={f.testId}
            onChange={(v) => setTrySettings({ [f.key]: v ?? Number.NaN })}
          />
        ))}
      </div>
      {errors.length > 0 && <p className="field-error">{errors.join(' ')}</p>}
      <div className="run-controls">
        <button
          type="button"
          className="primary"
          data-testid="try-generate"
          disabled={!source || generating || busy || errors.length > 0}
          onClick={() => source && startGeneration(source)}
        >
          Generate
        </button>
        <button
          type="button"
          className="secondary"
          data-testid="try-stop"
          disabled={!generating}
          onClick={stopGeneration}
        >
          Stop
        </button>
        {busy && (
          <span className="hint">
            A run is in progress: try the models when it has finished or is paused.
          </span>
        )}
      </div>
      {(t.text || generating || t.error) && (
        <div
          className="try-output"
          data-testid="try-output"
          data-status={t.status}
          data-tokens={t.tokens}
          aria-live="polite"
        >
          {t.error ? (
            <p className="alert alert-error">{t.error}</p>
          ) : (
            <p className="sample-text">
              <span className="try-prompt-echo">{t.settings.prompt}</span>
              <CleanTextView text={shown} />
              {generating && (
                <span className="try-cursor" aria-hidden="true">
                  ▍
                </span>
              )}
            </p>
          )}
          <p className="hint" data-testid="try-status">
            {generating
              ? `${t.tokens} token(s)…`
              : t.finish === 'eot'
                ? `${t.tokens} token(s); the model ended the text.`
                : t.finish === 'stopped'
                  ? `${t.tokens} token(s); stopped.`
                  : t.finish === 'length'
                    ? `${t.tokens} token(s), the length asked for.`
                    : ''}
            {t.promptTruncated && ' The prompt was longer than the model can read: only its end was used.'}
            {shown.replaced > 0 &&
              ' ▯ marks bytes that are not readable text (a byte-level model writes one byte at a time).'}
          </p>
        </div>
      )}
    </section>
  );
}
