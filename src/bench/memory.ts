/**
 * Memory of a computation, measured two ways on the wasm backend:
 * - tensor bytes: TF.js tensor buffers are `_malloc`-ed and `_free`-d through the wasm module
 *   object (BackendWasm.move / disposeData), so wrapping those two functions while `fn` runs gives
 *   the exact peak of live tensor bytes allocated by it. (tf.memory() and tf.profile count bytes
 *   per tensor, not per buffer: a reshape or a clone sharing its input's buffer counts twice.)
 *   Buffers freed during `fn` that were allocated before it are not subtracted, so the figure is
 *   an upper bound when `fn` replaces pre-existing tensors (an optimizer step replacing weights).
 * - heap: the wasm heap never shrinks, so on a freshly started module its size after `fn` is the
 *   high-water mark of everything: tensors, XNNPACK's packed weights and scratch, allocator
 *   overhead. This is what must fit in the 4 GiB address space. Growth rounds up by at most 96 MiB
 *   (emscripten's emscripten_resize_heap).
 * On other backends only tf.profile's count is available (an overestimate, see above).
 */
import * as tf from '@tensorflow/tfjs';

interface WasmModuleAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPU8: Uint8Array;
}

function wasmModule(): WasmModuleAllocator | null {
  if (tf.getBackend() !== 'wasm') return null;
  return (tf.backend() as unknown as { wasm?: WasmModuleAllocator }).wasm ?? null;
}

/** The wasm heap's current size, or null on other backends. */
export function wasmHeapBytes(): number | null {
  return wasmModule()?.HEAPU8.buffer.byteLength ?? null;
}

/**
 * Peak bytes of tensor buffers allocated while `fn` runs and still live at some point, above what
 * was live before it (wasm: exact, at the allocator; elsewhere tf.profile's peak minus the bytes
 * live at the start).
 */
export async function peakTensorBytesDuring(fn: () => Promise<void>): Promise<number> {
  const wasm = wasmModule();
  if (!wasm) {
    const before = tf.memory().numBytes;
    return (await tf.profile(fn)).peakBytes - before;
  }
  // Emscripten's exported _malloc/_free are stubs that replace themselves on the module object with
  // the raw export at their first call: follow such a replacement and put the wrapper back.
  let malloc = wasm._malloc;
  let free = wasm._free;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  const trackedMalloc = (bytes: number) => {
    const pointer = malloc(bytes);
    if (wasm._malloc !== trackedMalloc) {
      malloc = wasm._malloc;
      wasm._malloc = trackedMalloc;
    }
    sizes.set(pointer >>> 0, bytes);
    live += bytes;
    if (live > peak) peak = live;
    return pointer;
  };
  const trackedFree = (pointer: number) => {
    const bytes = sizes.get(pointer >>> 0);
    if (bytes !== undefined) {
      live -= bytes;
      sizes.delete(pointer >>> 0);
    }
    free(pointer);
    if (wasm._free !== trackedFree) {
      free = wasm._free;
      wasm._free = trackedFree;
    }
  };
  wasm._malloc = trackedMalloc;
  wasm._free = trackedFree;
  try {
    await fn();
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
  return peak;
}

/** Bytes of a set of tensors' buffers (distinct buffers once). */
export function tensorBytes(tensors: Iterable<tf.Tensor>): number {
  const seen = new Set<object>();
  let bytes = 0;
  for (const t of tensors) {
    if (seen.has(t.dataId)) continue;
    seen.add(t.dataId);
    bytes += t.size * (t.dtype === 'int32' || t.dtype === 'float32' ? 4 : 1);
  }
  return bytes;
}
