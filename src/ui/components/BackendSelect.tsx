import { BACKEND_CHOICES, type BackendChoice } from '../../contract/protocol';
import { dpThreads, MAX_WASM_THREADS } from '../../platform/wasm-threads';
import { isBackendChoice } from '../backend-choice';
import { chooseBackend, chooseThreads } from '../controller';
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

/** Thread counts offered: 1 up to the logical cores (at least 2, at most tfjs-backend-wasm's 8). */
export function threadOptions(cores: number): number[] {
  const top = Math.min(MAX_WASM_THREADS, Math.max(2, cores));
  return Array.from({ length: top }, (_, i) => i + 1);
}

/** WASM thread count; shown while the backend is (or is being started as) WASM. Restarts the worker. */
export function ThreadsSelect() {
  const threads = useAppStore((s) => s.backend.threads);
  const wasm = useAppStore((s) => s.backend.info?.backend === 'wasm' || s.backend.choice === 'wasm');
  if (!wasm) return null;
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  return (
    <label
      className="backend-select"
      title="Threads a DP step runs on: this worker and gradient workers, each clipping a share of the documents"
    >
      <span>Threads</span>
      <select
        data-testid="threads-select"
        value={String(threads)}
        onChange={(e) => chooseThreads(e.target.value === 'auto' ? 'auto' : Number(e.target.value))}
      >
        <option value="auto">Automatic ({dpThreads(undefined, cores)})</option>
        {threadOptions(cores).map((n) => (
          <option key={n} value={String(n)}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
