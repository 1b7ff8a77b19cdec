import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BackendName } from '../../contract/protocol';
import { continueOnBackend } from '../controller';
import { useAppStore } from '../store';

const NAMES: Record<BackendName, string> = { webgpu: 'WebGPU', wasm: 'WASM', cpu: 'CPU (slow)' };

/** What stopped the run, and a way to continue from the last checkpoint on another backend. */
export function FailureBanner() {
  const { failure, runId, backend } = useAppStore(
    useShallow((s) => ({
      failure: s.run.failure,
      runId: s.run.runId,
      backend: s.backend.info?.backend ?? null,
    })),
  );
  const others = (['webgpu', 'wasm', 'cpu'] as const).filter((b) => b !== backend);
  const [choice, setChoice] = useState<BackendName>(others[0]);
  if (!failure) return null;
  return (
    <div className="alert alert-error" role="alert" data-testid="run-failure" data-kind={failure.kind}>
      <p>{failure.message}</p>
      {runId && (
        <div className="picker-row">
          <label>
            Continue on{' '}
            <select
              value={others.includes(choice) ? choice : others[0]}
              onChange={(e) => setChoice(e.target.value as BackendName)}
            >
              {others.map((b) => (
                <option key={b} value={b}>
                  {NAMES[b]}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="secondary"
            onClick={() => continueOnBackend(others.includes(choice) ? choice : others[0], runId)}
          >
            Restart the backend and resume
          </button>
        </div>
      )}
    </div>
  );
}
