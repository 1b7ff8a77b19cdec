import { useShallow } from 'zustand/react/shallow';
import type { ExportKind } from '../../contract/protocol';
import { exportRun } from '../controller';
import { useAppStore } from '../store';

/** Long enough for a paragraph about the data; the model card quotes it verbatim. */
const MAX_DESCRIPTION = 2000;

const EXPORTS: { what: ExportKind; label: string; detail: string }[] = [
  {
    what: 'all',
    label: 'Download everything (.zip)',
    detail:
      'Student and teacher folders, synthetic text, privacy report, and a README on continuing on a cluster (Hugging Face Trainer on the synthetic text at no further privacy cost; Opacus / dp-transformers on your data, which spends new budget).',
  },
  {
    what: 'student',
    label: 'Download the student (.zip)',
    detail:
      'Hugging Face GPT-2 layout: config.json, model.safetensors, tokenizer files, model card (README.md), privacy report. Load with GPT2LMHeadModel.from_pretrained(folder).',
  },
  {
    what: 'teacher',
    label: 'Download the DP teacher (.zip)',
    detail: 'The same layout, for the DP fine-tuned teacher.',
  },
  {
    what: 'synthetic',
    label: 'Download the synthetic text (.jsonl)',
    detail: 'One {"text", "labels"} object per line.',
  },
  {
    what: 'report',
    label: 'Download the privacy report (.json)',
    detail:
      'ε, δ, σ, q, steps, accountant, sampling, unit, versions, and the `distildp epsilon` command that reproduces ε.',
  },
];

function ExportChoicesFields({ disabled }: { disabled: boolean }) {
  const { choices, setChoices } = useAppStore(
    useShallow((s) => ({ choices: s.exportChoices, setChoices: s.setExportChoices })),
  );
  return (
    <fieldset className="options export-choices" disabled={disabled}>
      <legend>Model cards and weights</legend>
      <label htmlFor="export-description">Describe the training data (optional)</label>
      <textarea
        id="export-description"
        data-testid="export-description"
        rows={3}
        maxLength={MAX_DESCRIPTION}
        value={choices.dataDescription}
        placeholder="e.g. 2,000 support e-mails of a small company, 2019-2023, English"
        aria-describedby="export-description-hint"
        onChange={(e) => setChoices({ dataDescription: e.currentTarget.value })}
      />
      <span className="hint" id="export-description-hint">
        Your own words, published in each model card (README.md) as you write them: the privacy guarantee does
        not cover this text, so write only what you are willing to share.
      </span>
      <label>
        <input
          type="checkbox"
          data-testid="export-fp16"
          checked={choices.dtype === 'F16'}
          onChange={(e) => setChoices({ dtype: e.currentTarget.checked ? 'F16' : 'F32' })}
        />
        Store weights as float16 (half the size)
      </label>
    </fieldset>
  );
}

export function ExportPanel() {
  const { runId, status, exports } = useAppStore(
    useShallow((s) => ({ runId: s.run.runId, status: s.run.status, exports: s.exports })),
  );
  const ready = runId !== null && status === 'completed';
  return (
    <section className="panel" id="export" aria-labelledby="export-heading">
      <h2 id="export-heading">Export</h2>
      {!ready && <p className="hint">Downloads are available when a run has finished.</p>}
      <ExportChoicesFields disabled={!ready} />
      <ul className="exports">
        {EXPORTS.map((e) => (
          <li key={e.what}>
            <button
              type="button"
              className="secondary"
              data-testid={`export-${e.what}`}
              disabled={!ready || exports[e.what] === 'building'}
              onClick={() => exportRun(e.what)}
            >
              {exports[e.what] === 'building' ? 'Preparing…' : e.label}
            </button>
            <span className="hint">{e.detail}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
