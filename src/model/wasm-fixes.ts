/**
 * Fixes for TF.js 4.22 wasm-backend traps, registered through the public kernel registry:
 * - Slice calls `backend.readSync(x)`, which copies the WHOLE input out of the wasm heap before
 *   copying the slice, so taking one example's rows out of a batch costs as much as copying the
 *   batch (~1 ms per slice of a 3 MB tensor, measured). The per-example DP norms slice every
 *   layer's activations per example, so this made them ~4x slower. The replacement copies the
 *   slice's contiguous runs straight from a heap view. SplitV calls that Slice internally (not
 *   through the registry: splitting attention's fused QKV projection read the whole (1024, 384)
 *   input three times, ~1.1 ms a piece), so it is replaced too.
 * - Sum over an axis that is not the last transposes the whole input first (a bias gradient's
 *   column sum of a (1024, 384) tensor ~2.9 ms, the row loop below ~1 ms, measured); the
 *   replacement adds rows in place, in float64, for float32 sums over the leading axes.
 * - GatherV2 computes every output element's source index separately (~5 ms to gather 1,024 rows
 *   of 128 floats, the token embedding of one micro-batch, measured); the replacement copies rows.
 * - Identity (`tf.clone`) copies its input, and every tensor a custom gradient saves for its
 *   backward pass is cloned (engine.runKernelFunc's saveFunc): each saved layer input, weight and
 *   attention matrix was duplicated, and at GPT-2's vocabulary the saved logits and the tied
 *   embedding cost 100+ MB each. TF.js tensors are immutable (a variable's `assign` swaps its data
 *   id), so the replacement shares the data id with a reference count, as Reshape and the CPU
 *   backend's Identity do.
 * - Tile computes every output element's source index separately (~80 ns per element: tiling a
 *   128 x 128 position table over 8 rows took ~10 ms where concatenating 8 copies takes ~0.1 ms,
 *   measured). The replacement copies whole contiguous blocks, one axis at a time.
 * - Transpose slows down ~5x per element once the matrix it transposes has 512 rows or more (a
 *   (1024, 512) layer input transposed for its weight gradient: 4.0 ms, 7.7 ns per element, against
 *   1.6 ns for a (128, 512) matrix; a scratch comparison without read-back). The replacement, for
 *   swaps of two adjacent groups of axes ((m, n) -> (n, m), (E, L, d) -> (E, d, L)) of 512+ rows
 *   m, reads 8 rows at a time in blocks of 256 columns (0.9 ms for the same transpose). Fewer
 *   rows, other permutations and swaps that keep an inner axis whole stay with TF.js (its kernel
 *   is as fast or faster there).
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let installed = false;
// TF.js' own kernels, kept so that uninstallWasmKernelFixes can put them back.
const originals = new Map<string, tf.KernelConfig>();

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/**
 * Replaces wasm's kernel `name` by `kernelFunc`, which may hand a case back to the original kernel
 * (its setup and dispose are kept: they bind the kernel to the wasm module).
 */
function replaceKernel(
  name: string,
  kernelFunc: (args: Parameters<tf.KernelFunc>[0], original: tf.KernelFunc) => tf.TensorInfo,
): void {
  const original = tf.getKernel(name, 'wasm');
  if (!original) return;
  originals.set(name, original);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => kernelFunc(args, original.kernelFunc),
  });
}

type HeapArray = Float32Array | Int32Array | Uint8Array;

// Below this many elements a loop copies faster than `set(subarray(...))`, which allocates a view
// per call (a gather of single floats would otherwise cost more than TF.js' own kernel).
const SHORT_RUN = 32;

/** Copies x[from, from + n) to out[to, to + n). */
function copyRun(x: HeapArray, from: number, out: HeapArray, to: number, n: number): void {
  if (n < SHORT_RUN) for (let i = 0; i < n; i++) out[to + i] = x[from + i];
  else out.set(x.subarray(from, from + n) as never, to);
}

/**
 * `x` (row-major, `shape`) tiled `reps` times along each axis, into `out`, by block copies: from the
 * last axis to the first, each block of the axes from k on (already tiled along them) is repeated
 * reps[k] times in place of itself. Exported for its test against the element-by-element definition.
 */
export function tileInto(x: HeapArray, shape: number[], reps: number[], out: HeapArray): void {
  let current: HeapArray = x;
  const dims = [...shape];
  // The passes run from the last axis to the first: the first tiled axis is the final pass,
  // which writes into `out`.
  const finalPass = reps.findIndex((r) => r !== 1);
  if (finalPass < 0) {
    out.set(x as never);
    return;
  }
  for (let k = dims.length - 1; k >= 0; k--) {
    if (reps[k] === 1) continue;
    let block = 1;
    for (let j = k; j < dims.length; j++) block *= dims[j];
    const outer = current.length / Math.max(block, 1);
    const target: HeapArray =
      k === finalPass
        ? out
        : new (current.constructor as new (n: number) => HeapArray)(current.length * reps[k]);
    for (let o = 0; o < outer; o++)
      for (let r = 0; r < reps[k]; r++) copyRun(current, o * block, target, (o * reps[k] + r) * block, block);
    dims[k] *= reps[k];
    current = target;
  }
}

/**
 * The slice of `x` (row-major, `shape`) starting at `begin` with `size`, into `out`, as copies of
 * contiguous runs: the trailing axes taken whole, and the last axis taken in part, are one run.
 * Exported for its test against the element-by-element definition.
 */
export function sliceInto(
  x: HeapArray,
  shape: number[],
  begin: number[],
  size: number[],
  out: HeapArray,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out.set(x as never);
    return;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  // Axes k..rank-1 form one contiguous run: every axis after k is whole.
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const run = tf.util.sizeFromShape(size.slice(k));
  if (run === 0) return;
  let base = 0;
  for (let i = 0; i < rank; i++) base += begin[i] * strides[i];
  // Odometer over the axes before k.
  const index = new Array<number>(k).fill(0);
  for (let written = 0; written < out.length; written += run) {
    let offset = base;
    for (let i = 0; i < k; i++) offset += index[i] * strides[i];
    copyRun(x, offset, out, written, run);
    for (let i = k - 1; i >= 0; i--) {
      if (++index[i] < size[i]) break;
      index[i] = 0;
    }
  }
}

/** x viewed as (outer, dim, inner): out (outer, ids, inner) = x[o, ids[j], :], by row copies. */
export function gatherInto(
  x: HeapArray,
  outer: number,
  dim: number,
  inner: number,
  ids: HeapArray,
  out: HeapArray,
): void {
  let written = 0;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < ids.length; j++) {
      copyRun(x, (o * dim + ids[j]) * inner, out, written, inner);
      written += inner;
    }
}

// Columns per block of the transpose loop: bounds the output lines a block writes to (a scratch
// comparison on plain arrays, 8,192 x 1,024: 16.5 ms without blocks, 11 ms with blocks of 256).
const TRANSPOSE_COLUMN_BLOCK = 256;

// Rows from which the transpose fix is used: below this, TF.js' kernel is as fast or faster (a
// scratch comparison without read-back, TF.js against the fix: (258, 1024) 0.31 ms against 0.41;
// (8, 128, 128) -> [0, 2, 1] 0.23 against 0.25; but (512, 128) 0.20 against 0.12).
const TRANSPOSE_MIN_ROWS = 512;

/**
 * x viewed as (outer, m, n) into out (outer, n, m): each of the `outer` (m, n) matrices
 * transposed, 8 rows of x at a time (each output row gets 8 consecutive elements per pass).
 * Exported for its test against the element-by-element definition.
 */
export function swapAxesInto(x: HeapArray, outer: number, m: number, n: number, out: HeapArray): void {
  const block = m * n;
  const m8 = m - (m % 8);
  for (let o = 0; o < outer; o++) {
    const base = o * block;
    for (let j0 = 0; j0 < n; j0 += TRANSPOSE_COLUMN_BLOCK) {
      const j1 = Math.min(j0 + TRANSPOSE_COLUMN_BLOCK, n);
      for (let i = 0; i < m8; i += 8) {
        const row = base + i * n;
        // Unrolled by hand: a loop over the 8 rows ran 1.4-1.8x slower (a scratch comparison).
        for (let j = j0; j < j1; j++) {
          const t = base + j * m + i;
          let f = row + j;
          out[t] = x[f];
          f += n;
          out[t + 1] = x[f];
          f += n;
          out[t + 2] = x[f];
          f += n;
          out[t + 3] = x[f];
          f += n;
          out[t + 4] = x[f];
          f += n;
          out[t + 5] = x[f];
          f += n;
          out[t + 6] = x[f];
          f += n;
          out[t + 7] = x[f];
        }
      }
      for (let i = m8; i < m; i++) {
        const row = base + i * n;
        for (let j = j0; j < j1; j++) out[base + j * m + i] = x[row + j];
      }
    }
  }
}

/**
 * A permutation as a swap of two adjacent groups of axes: `perm` keeps a prefix and a suffix of the
 * axes in place and moves axes [s, q) before [p, s). Returns the sizes (outer, m, n, inner), or
 * null for any other permutation (and for the identity).
 */
export function adjacentGroupSwap(
  shape: number[],
  perm: number[],
): { outer: number; m: number; n: number; inner: number } | null {
  const rank = shape.length;
  if (perm.length !== rank) return null;
  let p = 0;
  while (p < rank && perm[p] === p) p++;
  let q = rank;
  while (q > p && perm[q - 1] === q - 1) q--;
  if (q - p < 2) return null;
  const s = perm[p];
  // perm[p, q) must read s, s + 1, ..., q - 1, p, p + 1, ..., s - 1.
  for (let k = p; k < q; k++) {
    const expected = k - p < q - s ? s + (k - p) : p + (k - p - (q - s));
    if (perm[k] !== expected) return null;
  }
  const prod = (from: number, to: number) => tf.util.sizeFromShape(shape.slice(from, to));
  return { outer: prod(0, p), m: prod(p, s), n: prod(s, q), inner: prod(q, rank) };
}

/**
 * x viewed as (outer, rows, inner): out (outer, inner) = the sum over rows, accumulated in float64
 * row by row (contiguous reads; TF.js' wasm Sum transposes the whole input first to reduce an axis
 * that is not the last).
 */
export function sumRowsInto(x: HeapArray, outer: number, rows: number, inner: number, out: HeapArray): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    let from = o * rows * inner;
    for (let r = 0; r < rows; r++, from += inner) for (let j = 0; j < inner; j++) acc[j] += x[from + j];
    out.set(acc as never, o * inner);
  }
}

// TF.js' transpose-and-reduce beats the row loop below these sizes: for few rows (a (8, 65536) column
// sum: 0.6 ms against 1.8 ms; 256 x 1024: 0.57 against 0.65) and for rows of a few elements. From
// 1,024 rows its transpose slows down (1024 x 384: 3.4 ms against 1.0 ms; 2048 x 768: 12.9
// against 3.9), measured with scripts/bench-wasm-kernel-fixes.ts' method.
const SUM_MIN_ROWS = 512;
const SUM_MIN_INNER = 16;

function sliceFromHeap(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (size.some((d) => d === 0)) return out;
  // Views after makeOutput: allocating the output may grow (and move) the heap.
  sliceInto(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

export function installWasmKernelFixes(): void {
  if (installed) return;
  replaceKernel('Identity', (args, original) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original(args) as tf.TensorInfo;
    (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  replaceKernel('Slice', (args, original) => {
    const x = args.inputs.x as tf.TensorInfo;
    const attrs = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const begin = typeof attrs.begin === 'number' ? [attrs.begin] : [...attrs.begin];
    const size = typeof attrs.size === 'number' ? [attrs.size] : [...attrs.size];
    if (x.dtype === 'string' || begin.length !== x.shape.length || size.length !== x.shape.length)
      return original(args) as tf.TensorInfo;
    for (let i = 0; i < size.length; i++) if (size[i] === -1) size[i] = x.shape[i] - begin[i];
    return sliceFromHeap(args.backend as unknown as WasmBackendLike, x, begin, size);
  });
  replaceKernel('SplitV', (args, original) => {
    const x = args.inputs.x as tf.TensorInfo;
    const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
    if (x.dtype === 'string') return original(args) as tf.TensorInfo;
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
    const backend = args.backend as unknown as WasmBackendLike;
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = sliceFromHeap(backend, x, [...begin], size);
      begin[axis] += s;
      return piece;
    }) as unknown as tf.TensorInfo;
  });
  replaceKernel('GatherV2', (args, original) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const attrs = args.attrs as unknown as { axis: number; batchDims: number };
    if (x.dtype === 'string' || (attrs.batchDims ?? 0) !== 0) return original(args) as tf.TensorInfo;
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const backend = args.backend as unknown as WasmBackendLike;
    const ids = backend.typedArrayFromHeap(indices);
    const dim = x.shape[axis];
    for (let i = 0; i < ids.length; i++)
      if (!(ids[i] >= 0 && ids[i] <= dim - 1))
        throw new Error(`GatherV2: the index value ${ids[i]} is not in [0, ${dim - 1}]`);
    const out = backend.makeOutput(
      [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)],
      x.dtype,
    );
    if (ids.length === 0 || x.shape.some((d) => d === 0)) return out;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
    // Views after makeOutput (allocating may move the heap).
    gatherInto(
      backend.typedArrayFromHeap(x),
      outer,
      dim,
      inner,
      backend.typedArrayFromHeap(indices),
      backend.typedArrayFromHeap(out),
    );
    return out;
  });
  replaceKernel('Sum', (args, original) => {
    const x = args.inputs.x as tf.TensorInfo;
    const attrs = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== 'float32' || x.shape.length === 0) return original(args) as tf.TensorInfo;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const [first, last] = [axes[0], axes[axes.length - 1]];
    const rank = x.shape.length;
    // Only a block of consecutive axes before the last: (outer, rows, inner).
    if (axes.length === 0 || last - first + 1 !== axes.length || last === rank - 1)
      return original(args) as tf.TensorInfo;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, first));
    const rows = tf.util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = tf.util.sizeFromShape(x.shape.slice(last + 1));
    // Leading axes only: TF.js' transpose of a 3-D (E, L, c) to reduce its middle axis is faster than
    // this loop (scripts/bench-wasm-kernel-fixes.ts), its 2-D transpose is not.
    if (outer !== 1 || rows < SUM_MIN_ROWS || inner < SUM_MIN_INNER) return original(args) as tf.TensorInfo;
    const outShape = attrs.keepDims
      ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : x.shape.filter((_, i) => i < first || i > last);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(outShape, x.dtype);
    // Views after makeOutput (allocating may move the heap).
    sumRowsInto(backend.typedArrayFromHeap(x), outer, rows, inner, backend.typedArrayFromHeap(out));
    return out;
  });
  replaceKernel('Transpose', (args, original) => {
    const x = args.inputs.x as tf.TensorInfo;
    const perm = [...(args.attrs as unknown as { perm: number[] }).perm];
    const swap = x.dtype === 'string' ? null : adjacentGroupSwap(x.shape, perm);
    if (swap?.inner !== 1 || swap.m < TRANSPOSE_MIN_ROWS) return original(args) as tf.TensorInfo;
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(
      perm.map((a) => x.shape[a]),
      x.dtype,
    );
    if (x.shape.some((d) => d === 0)) return out;
    // Views after makeOutput (allocating may move the heap).
    swapAxesInto(backend.typedArrayFromHeap(x), swap.outer, swap.m, swap.n, backend.typedArrayFromHeap(out));
    return out;
  });
  replaceKernel('Tile', (args, original) => {
    const x = args.inputs.x as tf.TensorInfo;
    const reps = [...(args.attrs as unknown as { reps: number[] }).reps];
    if (x.dtype === 'string' || reps.length !== x.shape.length) return original(args) as tf.TensorInfo;
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(
      x.shape.map((d, i) => d * reps[i]),
      x.dtype,
    );
    if (x.shape.some((d) => d === 0) || reps.some((r) => r === 0)) return out;
    // Read both views after makeOutput: allocating the output may grow (and move) the heap.
    tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
    return out;
  });
  installed = true;
}

/**
 * Puts TF.js' own kernels back: for `scripts/bench-wasm-kernel-fixes.ts`, which times both in one
 * process, and the test that compares their outputs. The app and the CLI never call it.
 */
export function uninstallWasmKernelFixes(): void {
  if (!installed) return;
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  originals.clear();
  installed = false;
}
