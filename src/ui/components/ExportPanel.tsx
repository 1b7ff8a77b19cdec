import { useShallow } from 'zustand/react/shallow';
import type { ExportKind } from '../../contract/protocol';
import { exportRun } from '../controller';
import { useAppStore } from '../store';

const EXPORTS: { what: ExportKind; label: string; detail: string }[] = [
  {
    what: 'student',
    label: 'Download the student (.zip)',
    detail:
      'Hugging Face GPT-2 layout: config.json, model.safetensors, tokenizer files. Load with GPT2LMHeadModel.from_pretrained(folder).',
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

export function ExportPanel() {
  const { runId, status, exports } = useAppStore(
    useShallow((s) => ({ runId: s.run.runId, status: s.run.status, exports: s.exports })),
  );
  const ready = runId !== null && status === 'completed';
  return (
    <section className="panel" id="export" aria-labelledby="export-heading">
      <h2 id="export-heading">Export</h2>
      {!ready && <p className="hint">Downloads are available when a run has finished.</p>}
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
