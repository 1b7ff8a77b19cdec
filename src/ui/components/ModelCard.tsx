import { useShallow } from 'zustand/react/shallow';
import type { ModelRole } from '../../contract/protocol';
import { chooseModelPreset } from '../controller';
import { PRESET_OPTIONS } from '../model-presets';
import { useAppStore } from '../store';
import { ModelDropZone } from './ModelDropZone';
import { ModelInfoView } from './ModelInfoView';

const ROLE_TEXT: Record<ModelRole, { title: string; hint: string }> = {
  teacher: { title: 'Teacher', hint: 'Fine-tuned on your data with DP-SGD; then writes the synthetic text.' },
  student: {
    title: 'Student',
    hint: 'Distilled from the teacher on synthetic text only; this is what you export.',
  },
};

const IMPORTED = '__imported__';

/** One base model: a preset or an imported folder, its validation result and memory estimate. */
export function ModelCard({ modelRole: role }: { modelRole: ModelRole }) {
  const { slot, busy } = useAppStore(
    useShallow((s) => ({
      slot: s.models[role],
      busy: s.run.status === 'running' || s.run.status === 'pausing' || s.run.status === 'starting',
    })),
  );
  const selectId = `${role}-preset`;
  const value = slot.choice.kind === 'preset' ? slot.choice.name : IMPORTED;
  return (
    <div className="model-card" data-testid={`${role}-model`} data-status={slot.status}>
      <h3>{ROLE_TEXT[role].title}</h3>
      <p className="hint">{ROLE_TEXT[role].hint}</p>
      <label htmlFor={selectId} className="field-label">
        {ROLE_TEXT[role].title} model
      </label>
      <select
        id={selectId}
        value={value}
        disabled={busy}
        onChange={(e) => {
          if (e.target.value !== IMPORTED) chooseModelPreset(role, e.target.value);
        }}
      >
        {PRESET_OPTIONS.map((p) => (
          <option key={p.name} value={p.name}>
            {p.label}
          </option>
        ))}
        {slot.choice.kind === 'hf-folder' && <option value={IMPORTED}>Imported: {slot.choice.name}</option>}
      </select>
      <ModelDropZone modelRole={role} disabled={busy} />
      <div role="status" aria-live="polite" data-testid={`${role}-model-status`}>
        {slot.status === 'loading' && <p className="hint">Loading and validating…</p>}
      </div>
      {slot.status === 'error' && (
        <div
          className={slot.refused ? 'alert alert-warn' : 'alert alert-error'}
          role="alert"
          data-testid={`${role}-model-error`}
        >
          <strong>
            {slot.refused ? 'This model will not fit this device.' : 'This model cannot be used.'}
          </strong>
          <pre className="message">{slot.error}</pre>
        </div>
      )}
      {slot.status === 'ready' && slot.info && <ModelInfoView info={slot.info} />}
    </div>
  );
}
