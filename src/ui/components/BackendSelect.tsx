import { BACKEND_CHOICES, type BackendChoice } from '../../worker/protocol';
import { isBackendChoice } from '../backend-choice';
import { chooseBackend } from '../controller';
import { useAppStore } from '../store';

const CHOICE_LABELS: Record<BackendChoice, string> = {
  auto: 'Automatic',
  webgpu: 'WebGPU',
  wasm: 'WASM',
  cpu: 'CPU (slow)',
};

/** Backend override; changing it restarts the worker on the chosen backend. */
export function BackendSelect() {
  const choice = useAppStore((s) => s.backend.choice);
  return (
    <label className="backend-select" title="Automatic tries WebGPU, then WASM, then CPU">
      <span>Backend</span>
      <select
        value={choice}
        onChange={(e) => {
          if (isBackendChoice(e.target.value)) chooseBackend(e.target.value);
        }}
      >
        {BACKEND_CHOICES.map((c) => (
          <option key={c} value={c}>
            {CHOICE_LABELS[c]}
          </option>
        ))}
      </select>
    </label>
  );
}
