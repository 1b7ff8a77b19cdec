/**
 * TF.js backend selection. In the browser the order is webgpu -> wasm -> cpu (a real GPU makes
 * webgpu the fast one); in Node it is wasm (tfjs-node cannot be installed here, and the plain cpu
 * backend is ~40x slower). An explicit choice overrides the order and fails loudly if unavailable.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  type AdapterDescription,
  chooseByProbe,
  type ProbeTimes,
  softwareAdapterSkip,
} from '../platform/backend-decision';
import { errorMessage } from '../util/error-message';
import { isNode, startWasm, type WasmThreadsInfo, wasmThreadsInfo } from './wasm-backend';
import { installWasmKernelFixes } from './wasm-fixes';
import { requestAdapterDescription, runningAdapterDescription } from './webgpu-adapter';

export type { WasmThreadsInfo } from './wasm-backend';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_ORDER_BROWSER: BackendName[] = ['webgpu', 'wasm', 'cpu'];
export const BACKEND_ORDER_NODE: BackendName[] = ['wasm', 'cpu'];

export interface BackendInfo {
  backend: BackendName;
  /** Adapter description when the backend is webgpu (vendor, architecture, fallback flag). */
  adapter?: AdapterDescription;
  /** Why the automatic choice took this backend (absent when forced, or first in the order). */
  reason?: string;
  /** The measured probe that decided between two real backends. */
  probe?: ProbeTimes;
  /** Backends tried before the chosen one, with the reason each failed. */
  skipped: { backend: BackendName; reason: string }[];
  tfjsVersion: string;
  /** WASM only: the threads XNNPACK runs on, what was asked for, and why not more. */
  wasmThreads?: WasmThreadsInfo;
  /**
   * WASM in the app: the threads a DP step runs on, this worker and dpThreads - 1 gradient workers
   * (src/train/gradient-pool.ts), each on one wasm thread.
   */
  dpThreads?: number;
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
  /**
   * Automatic choice in the browser with a real WebGPU adapter: one timed DP training step on
   * the current backend (`stepMs`) decides between WebGPU and WASM. Without it WebGPU is taken.
   */
  probe?: { model: string; stepMs: () => Promise<number> };
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
    return errorMessage(e);
  }
}

let current: BackendInfo | null = null;

function infoFor(
  name: BackendName,
  skipped: BackendInfo['skipped'],
  extra: Partial<BackendInfo> = {},
): BackendInfo {
  current = {
    backend: name,
    adapter: name === 'webgpu' ? runningAdapterDescription() : undefined,
    wasmThreads: name === 'wasm' ? wasmThreadsInfo() : undefined,
    skipped,
    tfjsVersion: tf.version.tfjs,
    ...extra,
  };
  return current;
}

/** The first backend of `order` that starts; throws with every reason when none does. */
async function firstThatStarts(
  order: BackendName[],
  opts: BackendOptions,
  skipped: BackendInfo['skipped'],
): Promise<BackendInfo> {
  for (const name of order) {
    const reason = await tryBackend(name, opts);
    if (reason === null) return infoFor(name, skipped);
    skipped.push({ backend: name, reason });
  }
  const detail = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  throw new Error(
    opts.override
      ? `backend "${opts.override}" is unavailable (${detail})`
      : `no TF.js backend works (${detail})`,
  );
}

async function timedProbe(
  name: BackendName,
  opts: BackendOptions,
  stepMs: () => Promise<number>,
): Promise<{ ms: number | null; error?: string }> {
  const failed = await tryBackend(name, opts);
  if (failed !== null) return { ms: null, error: failed };
  try {
    return { ms: await stepMs() };
  } catch (e) {
    return { ms: null, error: errorMessage(e) };
  }
}

/**
 * The browser's automatic choice (src/platform/backend-decision.ts): never a software WebGPU
 * adapter; with a real one, a measured DP step on each backend when a probe is given.
 */
async function chooseAutomatically(opts: BackendOptions): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  const found = await requestAdapterDescription().catch((e: unknown) => ({
    reason: `requesting a WebGPU adapter failed: ${errorMessage(e)}`,
  }));
  const software = 'adapter' in found ? softwareAdapterSkip(found.adapter) : null;
  if (!('adapter' in found) || software) {
    skipped.push({ backend: 'webgpu', reason: 'adapter' in found ? software! : found.reason });
    return firstThatStarts(['wasm', 'cpu'], opts, skipped);
  }
  if (!opts.probe) return firstThatStarts(BACKEND_ORDER_BROWSER, opts, skipped);
  const webgpu = await timedProbe('webgpu', opts, opts.probe.stepMs);
  const wasm = await timedProbe('wasm', opts, opts.probe.stepMs);
  const probe: ProbeTimes = {
    webgpu_ms: webgpu.ms,
    wasm_ms: wasm.ms,
    model: opts.probe.model,
    errors: { webgpu: webgpu.error, wasm: wasm.error },
  };
  const decision = chooseByProbe(probe);
  const other = decision.backend === 'webgpu' ? 'wasm' : 'webgpu';
  skipped.push({ backend: other, reason: decision.reason });
  // The wasm probe ran last: switch back when WebGPU won.
  const failed = decision.backend === 'webgpu' ? await tryBackend('webgpu', opts) : null;
  if (failed !== null) {
    skipped.push({ backend: 'webgpu', reason: failed });
    return firstThatStarts(['wasm', 'cpu'], opts, skipped);
  }
  return infoFor(decision.backend, skipped, { reason: decision.reason, probe });
}

/** Selects and initialises a backend; returns what was chosen and why others were skipped. */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  if (opts.override) return firstThatStarts([opts.override], opts, []);
  if (isNode) return firstThatStarts(BACKEND_ORDER_NODE, opts, []);
  return chooseAutomatically(opts);
}

export function currentBackend(): BackendInfo | null {
  return current;
}
