/**
 * Fixes for two TF.js 4.22 wasm-backend traps, registered through the public kernel registry:
 * - Slice calls `backend.readSync(x)`, which copies the WHOLE input out of the wasm heap before
 *   copying the slice, so taking one example's rows out of a batch costs as much as copying the
 *   batch (~1 ms per slice of a 3 MB tensor, measured). The per-example DP norms slice every
 *   layer's activations per example, so this made them ~4x slower. The replacement copies
 *   contiguous slices straight from a heap view and hands every other case to the original kernel.
 * - Identity (`tf.clone`) copies its input, and every tensor a custom gradient saves for its
 *   backward pass is cloned (engine.runKernelFunc's saveFunc): each saved layer input, weight and
 *   attention matrix was duplicated, and at GPT-2's vocabulary the saved logits and the tied
 *   embedding cost 100+ MB each. TF.js tensors are immutable (a variable's `assign` swaps its data
 *   id), so the replacement shares the data id with a reference count, as Reshape and the CPU
 *   backend's Identity do.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let installed = false;

function isContiguous(shape: number[], begin: number[], size: number[]): boolean {
  // Contiguous when, after the first axis that is sliced partially, every later axis is whole,
  // and every earlier axis has size 1.
  let i = 0;
  while (i < shape.length && size[i] === 1) i++;
  if (i >= shape.length) return true;
  for (let j = i + 1; j < shape.length; j++) if (begin[j] !== 0 || size[j] !== shape[j]) return false;
  return true;
}

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

function installSharedIdentity(): void {
  const original = tf.getKernel('Identity', 'wasm');
  if (!original) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

export function installWasmKernelFixes(): void {
  if (installed) return;
  installSharedIdentity();
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const attrs = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
      const rank = x.shape.length;
      const begin = typeof attrs.begin === 'number' ? [attrs.begin] : [...attrs.begin];
      const size = typeof attrs.size === 'number' ? [attrs.size] : [...attrs.size];
      if (x.dtype === 'string' || begin.length !== rank || size.length !== rank)
        return original.kernelFunc(args);
      for (let i = 0; i < rank; i++) if (size[i] === -1) size[i] = x.shape[i] - begin[i];
      if (!isContiguous(x.shape, begin, size)) return original.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput(size, x.dtype);
      const count = size.reduce((a, b) => a * b, 1);
      if (count === 0) return out;
      let offset = 0;
      let stride = 1;
      for (let i = rank - 1; i >= 0; i--) {
        offset += begin[i] * stride;
        stride *= x.shape[i];
      }
      const src = backend.typedArrayFromHeap(x);
      backend.typedArrayFromHeap(out).set(src.subarray(offset, offset + count) as never);
      return out;
    },
  });
  installed = true;
}
