import { useShallow } from 'zustand/react/shallow';
import type { BackendInfo } from '../../contract/protocol';
import { useAppStore } from '../store';

const BACKEND_LABELS: Record<BackendInfo['backend'], string> = { webgpu: 'WebGPU', wasm: 'WASM', cpu: 'CPU' };

/** "Google · swiftshader (fallback adapter)": who runs the kernels, and whether it is emulated. */
export function adapterText(adapter: NonNullable<BackendInfo['adapter']>): string {
  const name =
    [adapter.vendor, adapter.architecture].filter(Boolean).join(' · ') ||
    adapter.description ||
    'unknown adapter';
  return adapter.isFallbackAdapter ? `${name} (fallback adapter)` : name;
}

/**
 * "2 threads (DP steps split across 2 workers)", or "1 thread" (with why not more where XNNPACK's
 * own count is shown); null for backends without threads.
 */
export function threadsText(info: BackendInfo): string | null {
  if (info.dpThreads !== undefined) {
    const n = info.dpThreads;
    return n === 1 ? '1 thread' : `${n} threads (DP steps split across ${n} workers)`;
  }
  const t = info.wasmThreads;
  if (!t) return null;
  return `${t.count} thread${t.count === 1 ? '' : 's'}${t.limitation ? ` (${t.limitation})` : ''}`;
}

/** Why WebGPU is not in use, when it is not. */
export function webgpuNote(info: BackendInfo): string | null {
  if (info.backend === 'webgpu') return null;
  const skipped = info.skipped.find((s) => s.backend === 'webgpu');
  if (skipped) return `WebGPU skipped: ${skipped.reason}`;
  return `WebGPU not tried: backend forced to ${info.backend}`;
}

export function BackendBadge() {
  const { status, info, error, choice } = useAppStore(
    useShallow((s) => ({
      status: s.backend.status,
      info: s.backend.info,
      error: s.backend.error,
      choice: s.backend.choice,
    })),
  );
  let body: React.ReactNode;
  if (status === 'starting') {
    body = <span className="badge badge-pending">Starting TF.js ({choice})…</span>;
  } else if (status === 'error' || !info) {
    body = (
      <>
        <span className="badge badge-error">No backend</span>
        <span className="backend-detail">{error ?? 'unknown error'}</span>
      </>
    );
  } else {
    const note = webgpuNote(info);
    const threads = threadsText(info);
    body = (
      <>
        <span className={`badge badge-${info.backend}`} data-testid="backend-name">
          {BACKEND_LABELS[info.backend]}
        </span>
        {threads && (
          <span
            className="backend-detail"
            data-testid="backend-threads"
            data-threads={info.dpThreads ?? info.wasmThreads?.count}
            title={`${info.wasmThreads?.cores} logical cores`}
          >
            {threads}
          </span>
        )}
        {info.adapter && (
          <span className="backend-detail" data-testid="backend-adapter">
            {adapterText(info.adapter)}
          </span>
        )}
        {note && (
          <span className="backend-detail" data-testid="backend-note">
            {note}
          </span>
        )}
        {info.reason && (
          <span className="backend-detail" data-testid="backend-reason">
            {info.reason}
          </span>
        )}
        <span className="backend-detail backend-version">TF.js {info.tfjsVersion}</span>
      </>
    );
  }
  return (
    <div
      className="backend-badge"
      role="status"
      aria-live="polite"
      data-testid="backend-badge"
      data-status={status}
    >
      {body}
    </div>
  );
}
