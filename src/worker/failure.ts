/**
 * Turns whatever stopped a run into a kind and a message a user can act on. In every case the run
 * stops with its last checkpoint intact (a failing step writes nothing), and it can continue from
 * there, on this backend or another one.
 */
import type { BackendName, RunFailure } from '../contract/protocol';

const NON_FINITE = /diverged|non-finite|\bNaN\b|Infinity/i;
// TF.js webgpu: "Failed to allocate" / GPUOutOfMemoryError; wasm: "Aborted(OOM)", "Cannot enlarge
// memory", "memory access out of bounds"; JS: "Array buffer allocation failed", "Invalid typed array length".
const OUT_OF_MEMORY =
  /out of memory|\bOOM\b|OutOfMemory|failed to allocate|allocation failed|cannot enlarge memory|memory access out of bounds|invalid typed array length|Array buffer allocation/i;
const DEVICE_LOST = /device (was )?lost|GPUDevice.*lost|device is lost/i;
const STORAGE = /QuotaExceeded|quota|NoModificationAllowed|InvalidStateError.*(file|storage)/i;

function errorText(err: unknown): string {
  if (err instanceof Error)
    return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

export function otherBackends(current: BackendName | null): BackendName[] {
  return (['webgpu', 'wasm', 'cpu'] as const).filter((b) => b !== current);
}

/** The kind of failure and a message saying what happened, what was kept, and what to do next. */
export function classifyFailure(err: unknown, backend: BackendName | null, deviceLost?: string): RunFailure {
  const raw = errorText(err);
  const kept = 'The last checkpoint is intact: resume continues from it.';
  const elsewhere = otherBackends(backend).join(' or ');
  if (deviceLost !== undefined || DEVICE_LOST.test(raw)) {
    return {
      kind: 'device-lost',
      message: `The GPU device was lost (${deviceLost ?? raw}). ${kept} Continue on ${elsewhere}, or reload to get a new GPU device.`,
    };
  }
  if (NON_FINITE.test(raw)) {
    return {
      kind: 'non-finite',
      message: `Training diverged: the loss became NaN or infinite (${raw}). ${kept} Try another backend (${elsewhere}); if it happens again, lower the clip norm or use fewer epochs.`,
    };
  }
  if (OUT_OF_MEMORY.test(raw)) {
    return {
      kind: 'out-of-memory',
      message: `Out of memory on ${backend ?? 'this backend'} (${raw}). ${kept} Close other tabs, pick smaller models, or continue on ${elsewhere}.`,
    };
  }
  if (STORAGE.test(raw)) {
    return {
      kind: 'storage',
      message: `Browser storage refused a checkpoint (${raw}). Free some space (other sites' data, old runs) and resume.`,
    };
  }
  return { kind: 'error', message: `The run stopped with an error: ${raw}. ${kept}` };
}
