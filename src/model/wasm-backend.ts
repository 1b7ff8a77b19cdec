/**
 * Starting TF.js' wasm backend on a planned number of threads (src/platform/wasm-threads.ts), and
 * restarting it: the thread count is fixed when the module starts, and a restarted module also has
 * a fresh heap (its high-water mark then measures one computation, src/bench/memory.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { planWasmThreads, type WasmThreadPlan, withReportedCores } from '../platform/wasm-threads';

export interface WasmThreadsInfo {
  /** Threads in use (tfjs-backend-wasm's getThreadsCount()). */
  count: number;
  /** The requested count, or 'auto' (every logical core). */
  requested: number | 'auto';
  /** Logical cores of this machine (navigator.hardwareConcurrency). */
  cores: number;
  /** Why fewer threads than requested, if so. */
  limitation?: string;
}

export const isNode =
  typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** tfjs-backend-wasm registers itself with priority 2 (src/base.ts). */
const WASM_PRIORITY = 2;

/** tfjs' own WebAssembly-threads feature test, read once before this module overrides the flag. */
let wasmThreadsFeature: boolean | undefined;
/** The thread plan the wasm backend was started with (null: not started yet). */
let started: (WasmThreadPlan & { requested: number | 'auto' }) | null = null;

function cores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}

/**
 * Makes wasm the backend, on the planned thread count. A different count than the running
 * module's, or `restart`, re-creates the module: its tensors are lost, so callers switch before
 * creating any.
 */
export async function startWasm(requested: number | undefined, restart = false): Promise<boolean> {
  wasmThreadsFeature ??= isNode ? false : !!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const plan = planWasmThreads(requested, {
    isNode,
    crossOriginIsolated: !!(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    wasmThreadsFeature,
    cores: cores(),
  });
  if (started && (restart || started.threads !== plan.threads) && tf.findBackend('wasm')) {
    const factory = tf.findBackendFactory('wasm');
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, WASM_PRIORITY);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', plan.threads > 1);
  setThreadsCount(plan.threads);
  const ok = await withReportedCores(2 * plan.threads, () => tf.setBackend('wasm'));
  started = { ...plan, requested: requested ?? 'auto' };
  return ok;
}

export function wasmThreadsInfo(): WasmThreadsInfo | undefined {
  if (!started) return undefined;
  return {
    count: getThreadsCount(),
    requested: started.requested,
    cores: cores(),
    ...(started.limitation ? { limitation: started.limitation } : {}),
  };
}
