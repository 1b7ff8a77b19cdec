/**
 * Threads for the WASM backend. tfjs-backend-wasm runs XNNPACK's matmuls and convolutions on a
 * pthread pool when it loads its threaded-SIMD binary, which needs SharedArrayBuffer, i.e. a
 * cross-origin-isolated page (COOP same-origin + COEP require-corp, sent by vite.config.ts and kept
 * by the service worker's cache). The bundle needs src/build/wasm-threads-plugin.ts to load it.
 *
 * Two facts of tfjs-backend-wasm 4.22 shape this module (tfjs-backend-wasm/src/cc/backend.cc):
 * - the pool is 8 pre-created workers and `init_with_threads_count` caps the count at 8;
 * - it also caps the count at `emscripten_num_logical_cores() / 2`, i.e. navigator.hardwareConcurrency
 *   halved ("many x86-64 processors have 2 threads per core"), read once when the module starts. On
 *   a 2-core machine that means 1 thread whatever `setThreadsCount` asks for, so while the module
 *   starts we report twice the wanted count (`withReportedCores`); the user's choice is the limit.
 * In Node the threaded build is never used: its WASM_HAS_MULTITHREAD_SUPPORT flag returns false when
 * IS_NODE (tfjs-backend-wasm's src/flags_wasm.ts, "Enable node support once this is resolved", tfjs issue #3830), and its
 * pthread workers are blob: URLs, which Node's worker_threads cannot start.
 */

/** tfjs-backend-wasm pre-creates 8 pthread workers (backend.cc `max_num_threads`). */
export const MAX_WASM_THREADS = 8;

/**
 * The automatic number of threads a DP step runs on (this worker and gradient helpers,
 * src/train/gradient-pool.ts): every core, at most this many, since every helper holds a copy of
 * the model and its own activations (~0.4 GB at the teacher preset's micro-batch).
 */
export const AUTO_DP_THREADS_MAX = 4;

/** Threads of a DP step: the requested count, or automatically every core up to AUTO_DP_THREADS_MAX. */
export function dpThreads(requested: number | undefined, cores: number): number {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1))
    throw new Error(`threads must be an integer >= 1, got ${requested}`);
  return requested ?? Math.max(1, Math.min(cores, AUTO_DP_THREADS_MAX));
}

export interface ThreadEnvironment {
  isNode: boolean;
  /** `crossOriginIsolated` of the global scope (page or worker). */
  crossOriginIsolated: boolean;
  /** Whether the WebAssembly threads feature validates (tfjs' own feature test). */
  wasmThreadsFeature: boolean;
  /** navigator.hardwareConcurrency (logical cores). */
  cores: number;
}

export interface WasmThreadPlan {
  /** Threads to run XNNPACK on; 1 means the single-threaded SIMD binary. */
  threads: number;
  /** Why fewer threads than asked for (absent when the plan is what was asked). */
  limitation?: string;
}

export const NODE_NO_THREADS =
  'tfjs-backend-wasm 4.22 runs single-threaded in Node (its multithreading flag is false under Node: src/flags_wasm.ts, tfjs issue #3830)';
export const NOT_ISOLATED =
  'the page is not cross-origin isolated (no COOP/COEP headers), so SharedArrayBuffer and WASM threads are unavailable';
export const NO_WASM_THREADS = 'this browser does not support WebAssembly threads';

/** Parses a thread count from user input ('auto', '' or absent: every core); throws on nonsense. */
export function parseThreadCount(raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined) return undefined;
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'auto') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`threads must be "auto" or an integer >= 1, got "${raw}"`);
  return n;
}

/**
 * How many threads to use: `requested` (undefined: every logical core), at most MAX_WASM_THREADS,
 * and 1 where threads cannot work, with the reason.
 */
export function planWasmThreads(requested: number | undefined, env: ThreadEnvironment): WasmThreadPlan {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1))
    throw new Error(`threads must be an integer >= 1, got ${requested}`);
  // Node: always one thread, and said so unless one was asked for (Node 20 reports no core count).
  if (env.isNode) return requested === 1 ? { threads: 1 } : { threads: 1, limitation: NODE_NO_THREADS };
  const wanted = requested ?? Math.max(1, env.cores);
  if (wanted === 1) return { threads: 1 };
  if (!env.crossOriginIsolated) return { threads: 1, limitation: NOT_ISOLATED };
  if (!env.wasmThreadsFeature) return { threads: 1, limitation: NO_WASM_THREADS };
  if (wanted > MAX_WASM_THREADS) {
    return {
      threads: MAX_WASM_THREADS,
      limitation: `tfjs-backend-wasm runs at most ${MAX_WASM_THREADS} threads (its pre-created worker pool)`,
    };
  }
  return { threads: wanted };
}

/**
 * Runs `start` while navigator.hardwareConcurrency reads `cores` (an own property shadowing the
 * getter, removed afterwards), so backend.cc's `logical cores / 2` cap allows the planned count.
 */
export async function withReportedCores<T>(cores: number, start: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!nav) return start();
  Object.defineProperty(nav, 'hardwareConcurrency', { value: cores, configurable: true });
  try {
    return await start();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}
