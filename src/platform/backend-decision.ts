/**
 * How the automatic backend choice decides, as pure functions (no TF.js; unit-tested, and the UI
 * may show the same words):
 * - a software WebGPU adapter (isFallbackAdapter, or an adapter that names a CPU renderer such as
 *   SwiftShader or llvmpipe) is never chosen automatically: it runs the GPU kernels on the CPU,
 *   far slower than WASM (measured here: the standard demo had not finished one DP step after 14
 *   minutes on SwiftShader, where WASM finishes the whole run in 4.5);
 * - where the adapter is real, one measured DP training step of the model to be trained, on each
 *   backend, decides, and the reason names both times;
 * - the user's override (menu or `?backend=`) always wins.
 */

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** Names a CPU (software) renderer: SwiftShader, llvmpipe/lavapipe/softpipe, Microsoft WARP. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|\bwarp\b/i;

/** "Google · swiftshader", or the description, or "unknown adapter". */
export function adapterName(a: AdapterDescription): string {
  return [a.vendor, a.architecture].filter(Boolean).join(' · ') || a.description || 'unknown adapter';
}

/** Why an adapter is software (null for a real GPU). */
export function softwareAdapterReason(a: AdapterDescription): string | null {
  if (a.isFallbackAdapter) return `the WebGPU adapter (${adapterName(a)}) is a fallback (software) adapter`;
  const text = `${a.vendor} ${a.architecture} ${a.description}`;
  if (SOFTWARE_RENDERER.test(text)) return `the WebGPU adapter (${adapterName(a)}) renders in software`;
  return null;
}

/** The skip reason shown for a software adapter, with what the user can do. */
export function softwareAdapterSkip(a: AdapterDescription): string | null {
  const why = softwareAdapterReason(a);
  return why
    ? `${why}: it runs on the CPU, far slower than WASM (choose WebGPU in the menu to use it anyway)`
    : null;
}

export interface ProbeTimes {
  /** Milliseconds of one DP training step on each backend; null where the probe failed. */
  webgpu_ms: number | null;
  wasm_ms: number | null;
  /** What was measured, e.g. "teacher (4 x 128), 2 examples". */
  model: string;
  /** Why a probe failed, per backend. */
  errors?: { webgpu?: string; wasm?: string };
}

export interface ProbeDecision {
  backend: 'webgpu' | 'wasm';
  reason: string;
}

const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);

/** The faster backend in the probe (WebGPU only when strictly faster), and why. */
export function chooseByProbe(p: ProbeTimes): ProbeDecision {
  if (p.webgpu_ms === null && p.wasm_ms === null)
    throw new Error(`backend probe failed on both backends (${JSON.stringify(p.errors ?? {})})`);
  if (p.webgpu_ms === null)
    return {
      backend: 'wasm',
      reason: `WebGPU failed its probe step (${p.errors?.webgpu ?? 'unknown error'})`,
    };
  if (p.wasm_ms === null)
    return { backend: 'webgpu', reason: `WASM failed its probe step (${p.errors?.wasm ?? 'unknown error'})` };
  const times = `WebGPU ${ms(p.webgpu_ms)}, WASM ${ms(p.wasm_ms)} per DP step of the ${p.model}`;
  return p.webgpu_ms < p.wasm_ms
    ? { backend: 'webgpu', reason: `WebGPU was faster in a measured step: ${times}` }
    : { backend: 'wasm', reason: `WASM was faster in a measured step: ${times}` };
}
