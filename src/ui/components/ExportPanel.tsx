import { useShallow } from 'zustand/react/shallow';
import type { ExportKind } from '../../worker/protocol';
import { exportRun } from '../run-commands';
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
    detail:
      'The corpus the student was trained on, one {"text", "labels"} object per line: the teacher writes more samples than needed and each control code keeps its share of the target, so it holds fewer samples than were shown while generating.',
  },
  {
    what: 'report',
    label: 'Download the privacy report (.json)',
    detail:
      'ε, δ, σ, q, steps, accountant, sampling, unit, versions, and the `distildp epsilon` command that reproduces ε.',
  },
];

export function ExportPanel() {
  const { runId, status, exports, synthetic } = useAppStore(
    useShallow((s) => ({
      runId: s.run.runId,
      status: s.run.status,
      exports: s.exports,
      synthetic: s.run.synthetic,
    })),
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
            <span className="hint" data-testid={`export-${e.what}-detail`}>
              {e.what === 'synthetic' && synthetic
                ? `${synthetic.samples.length.toLocaleString('en-US')} samples: the corpus the student was trained on, drawn (each control code's share) from the ${synthetic.generated.toLocaleString('en-US')} the teacher wrote, less ${synthetic.duplicates.toLocaleString('en-US')} duplicates and ${synthetic.empty.toLocaleString('en-US')} empty ones. One {"text", "labels"} object per line.`
                : e.detail}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
