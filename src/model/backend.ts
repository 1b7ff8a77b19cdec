/**
 * TF.js backend selection. In the browser the order is webgpu -> wasm -> cpu (a real GPU makes
 * webgpu the fast one); in Node it is wasm (tfjs-node cannot be installed here, and the plain cpu
 * backend is ~40x slower). An explicit choice overrides the order and fails loudly if unavailable.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { isNode, startWasm, type WasmThreadsInfo, wasmThreadsInfo } from './wasm-backend';
import { installWasmKernelFixes } from './wasm-fixes';

export type { WasmThreadsInfo } from './wasm-backend';

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

export interface BackendOptions {
  /** Force one backend; no silent fallback when it fails. */
  override?: BackendName;
  /** URLs of the tfjs-backend-wasm .wasm files, needed in a bundled browser build. */
  wasmPaths?: Record<string, string>;
  /** WASM threads (default: every logical core where the page allows threads; 1 in Node). */
  wasmThreads?: number;
  /** Re-create the wasm module even if it runs (a fresh heap; its tensors are lost). */
  restartWasm?: boolean;
}

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
      ok = await startWasm(opts.wasmThreads, opts.restartWasm);
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
