/**
 * TF.js backend selection. In the browser the order is webgpu -> wasm -> cpu (a real GPU makes
 * webgpu the fast one); in Node it is wasm (tfjs-node cannot be installed here, and the plain cpu
 * backend is ~40x slower). An explicit choice overrides the order and fails loudly if unavailable.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { planWasmThreads, type WasmThreadPlan, withReportedCores } from '../platform/wasm-threads';
import { installWasmKernelFixes } from './wasm-fixes';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_ORDER_BROWSER: BackendName[] = ['webgpu', 'wasm', 'cpu'];
export const BACKEND_ORDER_NODE: BackendName[] = ['wasm', 'cpu'];

export interface BackendInfo {
  backend: BackendName;
  /** Adapter description when the backend is webgpu (vendor, architecture, fallback flag). */
  adapter?: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  /** Backends tried before the chosen one, with the reason each failed. */
  skipped: { backend: BackendName; reason: string }[];
  tfjsVersion: string;
  /** WASM only: the threads XNNPACK runs on, what was asked for, and why not more. */
  wasmThreads?: WasmThreadsInfo;
}

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

export interface BackendOptions {
  /** Force one backend; no silent fallback when it fails. */
  override?: BackendName;
  /** URLs of the tfjs-backend-wasm .wasm files, needed in a bundled browser build. */
  wasmPaths?: Record<string, string>;
  /** WASM threads (default: every logical core where the page allows threads; 1 in Node). */
  wasmThreads?: number;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

async function registerWebGPU(): Promise<void> {
  // Imported lazily: the module probes navigator.gpu when it loads.
  await import('@tensorflow/tfjs-backend-webgpu');
}

async function tryBackend(name: BackendName, opts: BackendOptions): Promise<string | null> {
  try {
    if (name === 'webgpu') {
      const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
      if (!gpu) return 'navigator.gpu is not available (WebGPU unsupported or disabled)';
      await registerWebGPU();
    }
    let ok: boolean;
    if (name === 'wasm') {
      if (opts.wasmPaths) setWasmPaths(opts.wasmPaths);
      ok = await startWasm(opts.wasmThreads);
    } else {
      ok = await tf.setBackend(name);
    }
    if (!ok) return `tf.setBackend('${name}') returned false`;
    await tf.ready();
    if (tf.getBackend() !== name) return `backend is ${tf.getBackend()} after selecting ${name}`;
    if (name === 'wasm') installWasmKernelFixes();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

interface RawAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

function adapterInfo(): BackendInfo['adapter'] {
  const backend = tf.backend() as unknown as {
    device?: { adapterInfo?: RawAdapterInfo };
    adapterInfo?: RawAdapterInfo;
  };
  // tfjs-backend-webgpu's own `adapterInfo` keeps only vendor and architecture; the device's
  // GPUAdapterInfo (Chrome 132+) also has the description and the fallback (software) flag.
  const info = backend.device?.adapterInfo ?? backend.adapterInfo;
  if (!info) return undefined;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
    isFallbackAdapter: !!info.isFallbackAdapter,
  };
}

let current: BackendInfo | null = null;

/** tfjs' own WebAssembly-threads feature test, read once before this module overrides the flag. */
let wasmThreadsFeature: boolean | undefined;
/** The thread plan the wasm backend was started with (null: not started yet). */
let wasmStarted: (WasmThreadPlan & { requested: number | 'auto' }) | null = null;

function cores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}

/**
 * Starts the wasm backend with the planned thread count. The count is fixed when the backend starts,
 * so a different request re-creates it (its tensors are lost: callers switch before creating any).
 */
async function startWasm(requested: number | undefined): Promise<boolean> {
  wasmThreadsFeature ??= isNode ? false : !!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const plan = planWasmThreads(requested, {
    isNode,
    crossOriginIsolated: !!(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    wasmThreadsFeature,
    cores: cores(),
  });
  if (wasmStarted && wasmStarted.threads !== plan.threads && tf.findBackend('wasm')) {
    const factory = tf.findBackendFactory('wasm');
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, WASM_PRIORITY);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', plan.threads > 1);
  setThreadsCount(plan.threads);
  const ok = await withReportedCores(2 * plan.threads, () => tf.setBackend('wasm'));
  wasmStarted = { ...plan, requested: requested ?? 'auto' };
  return ok;
}

/** tfjs-backend-wasm registers itself with priority 2 (src/base.ts). */
const WASM_PRIORITY = 2;

function wasmThreadsInfo(): WasmThreadsInfo | undefined {
  if (!wasmStarted) return undefined;
  return {
    count: getThreadsCount(),
    requested: wasmStarted.requested,
    cores: cores(),
    ...(wasmStarted.limitation ? { limitation: wasmStarted.limitation } : {}),
  };
}

/** Selects and initialises a backend; returns what was chosen and why others were skipped. */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const order = opts.override ? [opts.override] : isNode ? BACKEND_ORDER_NODE : BACKEND_ORDER_BROWSER;
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const reason = await tryBackend(name, opts);
    if (reason === null) {
      current = {
        backend: name,
        adapter: name === 'webgpu' ? adapterInfo() : undefined,
        wasmThreads: name === 'wasm' ? wasmThreadsInfo() : undefined,
        skipped,
        tfjsVersion: tf.version.tfjs,
      };
      return current;
    }
    skipped.push({ backend: name, reason });
  }
  const detail = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  throw new Error(
    opts.override
      ? `backend "${opts.override}" is unavailable (${detail})`
      : `no TF.js backend works (${detail})`,
  );
}

export function currentBackend(): BackendInfo | null {
  return current;
}
