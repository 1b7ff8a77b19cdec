/**
 * What the DP backward pass keeps of each parameter, and the per-example squared norms summed so
 * far. Two strategies reduce a linear layer's (A, G) (A (E L, d) layer input, G (E L, p) output
 * gradient, rows of example i = [i L, (i + 1) L)):
 * - 'perExampleLoops' (wasm/cpu): per-example gradients A_i^T G_i by loops of plain 2-D matmuls
 *   when the direct norm is cheaper and they fit the memory budget, else (A, G) with a looped
 *   ghost norm. Plain 2-D matmuls are what TF.js wasm runs fast (src/dp/per-example.ts).
 * - 'fusedKernels' (webgpu): every linear layer is kept as (A, G); norms by the fused WGSL
 *   kernels of src/kernels (ghost or direct by cost), clipped sums A^T diag(c) G by
 *   `clippedWeightSum` / `clippedBiasSum`. Nothing per-example is materialised.
 * Both give the same numbers up to float32 rounding (tests/kernels/dp-step.test.ts,
 * tests/unit/dp-clipping.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import {
  biasNormSq,
  chooseLinearNormMethod,
  clippedBiasSum,
  clippedWeightSum,
  type LinearNormMethod,
  linearNormSq,
} from '../kernels';
import { webgpuActive } from '../kernels/webgpu-backend';
import { ghostSqNormsLooped, perExampleWeightGrads } from './per-example';

/** How layer gradients are reduced; 'auto' = fusedKernels on webgpu, perExampleLoops elsewhere. */
export type ReductionStrategy = 'auto' | 'perExampleLoops' | 'fusedKernels';

export function resolveReductionStrategy(s: ReductionStrategy): Exclude<ReductionStrategy, 'auto'> {
  if (s === 'auto') return webgpuActive() ? 'fusedKernels' : 'perExampleLoops';
  if (s !== 'perExampleLoops' && s !== 'fusedKernels')
    throw new Error(`unknown reduction strategy "${s}" (auto, perExampleLoops, fusedKernels)`);
  return s;
}

/** How one parameter's per-example norm was obtained (reported for tests and diagnostics). */
export type NormMethod =
  | 'perExample'
  | 'ghostLooped'
  | `kernel:${LinearNormMethod}`
  | 'kernel:bias'
  | 'kernel:embedding'
  | 'kernel:tiedCross'
  | 'looped:embedding'
  | 'looped:tiedCross'
  | 'looped:tiedCrossOneHot'
  | 'direct:embedding'
  | 'direct:tiedCross'
  | 'distinctRows'
  | 'windowSums'
  | 'sparse';

type Piece =
  /**
   * Per-example gradients (E, size): clipped sum = c^T P. A linear weight's are laid out as
   * (d_in, d_out) ('inOut', A_i^T G_i) or (d_out, d_in) ('outIn', G_i^T A_i).
   */
  | { kind: 'perExample'; grads: tf.Tensor2D; shape: number[]; transposed: boolean; layout?: LinearLayout }
  /**
   * A linear layer as (A, G): clipped sum = A^T diag(c) G as one plain matmul (wasm), or its
   * transpose G^T diag(c) A (`transposed`: the LM head, whose parameter is (V, d)).
   */
  | { kind: 'deferred'; a: tf.Tensor2D; g: tf.Tensor2D; transposed: boolean }
  /** A linear weight as (A, G) per example: clipped sum by the clippedWeightSum kernel. */
  | { kind: 'kernelWeight'; a: tf.Tensor3D; g: tf.Tensor3D }
  /** A bias as G per example: clipped sum by the clippedBiasSum kernel. */
  | { kind: 'kernelBias'; g: tf.Tensor3D }
  /** Sparse per-example gradients (the audit's gradient canaries): value j sits at (example, index). */
  | { kind: 'sparse'; example: tf.Tensor1D; index: tf.Tensor2D; value: tf.Tensor1D; shape: number[] };

/** How a linear weight's per-example gradients are laid out: (d_in, d_out) or (d_out, d_in). */
export type LinearLayout = 'inOut' | 'outIn';

/** Per-parameter contributions to the squared norms, kept only when asked for. */
export interface NormBreakdown {
  /** (E,) squared-norm contribution of each parameter (and of the tied cross term). */
  sqNorms: Map<string, tf.Tensor1D>;
  methods: Map<string, NormMethod>;
}

/** Keeps a tensor past the surrounding tidy; clones first, since the tap frees its own copy. */
function hold<T extends tf.Tensor>(t: T): T {
  return tf.keep(tf.clone(t));
}

export class NormAccumulator {
  private readonly pieces = new Map<string, Piece>();
  private sq: tf.Tensor1D;
  private budget: number;
  readonly breakdown?: NormBreakdown;

  /**
   * @param excludedFromNorm TESTS ONLY (DPFaults.excludeFromNorm): a norm piece whose squared norm
   *   is not added, so the audit can prove it notices.
   */
  constructor(
    readonly examples: number,
    budgetBytes: number,
    recordBreakdown = false,
    private readonly excludedFromNorm?: string,
  ) {
    this.sq = tf.keep(tf.zeros([examples]));
    this.budget = budgetBytes;
    if (recordBreakdown) this.breakdown = { sqNorms: new Map(), methods: new Map() };
  }

  /** Adds one parameter's (E,) squared norms; `label` names it in the breakdown. */
  addSqNorms(label: string, method: NormMethod, v: tf.Tensor1D): void {
    if (label === this.excludedFromNorm) return;
    const next = tf.keep(tf.add(this.sq, v)) as tf.Tensor1D;
    this.sq.dispose();
    this.sq = next;
    if (this.breakdown) {
      this.breakdown.sqNorms.set(label, tf.keep(tf.clone(v)));
      this.breakdown.methods.set(label, method);
    }
  }

  /**
   * Records per-example gradients (E, size) of a parameter and adds their squared norms; the
   * clipped sum has `shape`, transposed (2-D) with `transposed`.
   */
  addPerExample(
    name: string,
    grads: tf.Tensor2D,
    shape: number[],
    transposed = false,
    layout?: LinearLayout,
  ): void {
    this.addSqNorms(name, 'perExample', tf.sum(tf.square(grads), 1) as tf.Tensor1D);
    this.pieces.set(name, { kind: 'perExample', grads: tf.keep(grads), shape, transposed, layout });
    this.budget -= grads.size * 4;
  }

  /**
   * A linear weight's per-example gradients (E, d_in d_out) as recorded by addLinearWeightLooped,
   * with their layout; undefined when it kept (A, G) instead (the ghost norm) or was not recorded.
   */
  linearPerExample(name: string): { grads: tf.Tensor2D; layout: LinearLayout } | undefined {
    const piece = this.pieces.get(name);
    if (piece?.kind !== 'perExample' || !piece.layout) return undefined;
    return { grads: piece.grads, layout: piece.layout };
  }

  /**
   * perExampleLoops: direct per-example gradients when cheaper and within budget, else ghost.
   * The clipped sum is (d, p), or (p, d) with `transposed` (then without transposing a d x p matrix).
   */
  addLinearWeightLooped(name: string, a: tf.Tensor2D, g: tf.Tensor2D, transposed = false): void {
    const l = a.shape[0] / this.examples;
    const [d, p] = [a.shape[1], g.shape[1]];
    const perExampleBytes = this.examples * d * p * 4;
    if (chooseLinearNormMethod(l, d, p) === 'direct' && perExampleBytes <= this.budget) {
      // perExampleWeightGrads transposes its first operand for the whole batch: when the output is
      // narrower (an MLP's down projection), transposing G and forming G_i^T A_i = (A_i^T G_i)^T
      // moves p/d as much data; the clipped sum is transposed back once.
      if (p < d)
        this.addPerExample(name, perExampleWeightGrads(g, a, this.examples), [p, d], !transposed, 'outIn');
      else this.addPerExample(name, perExampleWeightGrads(a, g, this.examples), [d, p], transposed, 'inOut');
      return;
    }
    this.addSqNorms(name, 'ghostLooped', ghostSqNormsLooped(a, g, this.examples));
    this.pieces.set(name, { kind: 'deferred', a: hold(a), g: hold(g), transposed });
  }

  /** fusedKernels: keeps (A, G) as (E, L, d), (E, L, p); norm by the cheaper fused kernel. */
  addLinearWeightKernel(name: string, a: tf.Tensor3D, g: tf.Tensor3D): void {
    const method = chooseLinearNormMethod(a.shape[1], a.shape[2], g.shape[2]);
    this.addSqNorms(name, `kernel:${method}`, linearNormSq(a, g, method));
    this.pieces.set(name, { kind: 'kernelWeight', a: hold(a), g: hold(g) });
  }

  /** fusedKernels: a bias from G (E, L, p): norm ||sum_t g_t||^2, clipped sum by kernel. */
  addBiasKernel(name: string, g: tf.Tensor3D): void {
    this.addSqNorms(name, 'kernel:bias', biasNormSq(g));
    this.pieces.set(name, { kind: 'kernelBias', g: hold(g) });
  }

  /**
   * Records sparse per-example gradients of a parameter: entry j is `value[j]` at flat position
   * `index[j]` of example `example[j]` (used for the audit's gradient canaries).
   */
  addSparsePerExample(
    name: string,
    entries: { example: Int32Array; index: Int32Array; value: Float32Array },
    shape: number[],
  ): void {
    const sq = new Float32Array(this.examples);
    entries.value.forEach((v, j) => {
      sq[entries.example[j]] += v * v;
    });
    const v = tf.tensor1d(sq);
    this.addSqNorms(name, 'sparse', v);
    v.dispose();
    this.pieces.set(name, {
      kind: 'sparse',
      example: tf.keep(tf.tensor1d(entries.example, 'int32')),
      index: tf.keep(tf.tensor2d(entries.index, [entries.index.length, 1], 'int32')),
      value: tf.keep(tf.tensor1d(entries.value)),
      shape,
    });
  }

  squaredNorms(): tf.Tensor1D {
    return tf.relu(this.sq) as tf.Tensor1D; // round-off can make a ~0 sum of squares a hair negative
  }

  /** sum_i c_i g_i of every recorded parameter (c (E,) the clip factors). */
  clippedSums(c: tf.Tensor1D, rowsPerExample: number): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    const cCol = tf.reshape(c, [this.examples, 1]) as tf.Tensor2D;
    let rowScale: tf.Tensor2D | undefined;
    for (const [name, piece] of this.pieces) {
      const sum = tf.tidy((): tf.Tensor => {
        switch (piece.kind) {
          case 'perExample': {
            // A scaled column sum, not the (1, E) x (E, size) matmul: the per-example gradients are a
            // fresh tensor each micro-batch, which XNNPACK would pack before multiplying (the replay
            // of scripts/profile-dp-step.ts: 1.84 ms, 0.6 GFLOP/s, per (1, 8) x (8, 65536) product).
            const sum = tf.reshape(tf.sum(tf.mul(piece.grads, cCol), 0), piece.shape);
            return piece.transposed ? tf.transpose(sum) : sum;
          }
          case 'kernelWeight':
            return clippedWeightSum(piece.a, piece.g, c);
          case 'kernelBias':
            return clippedBiasSum(piece.g, c);
          case 'sparse': {
            const size = piece.shape.reduce((a, b) => a * b, 1);
            const scaled = tf.mul(piece.value, tf.gather(c, piece.example));
            return tf.reshape(tf.scatterND(piece.index, scaled, [size]), piece.shape);
          }
          case 'deferred':
            rowScale ??= tf.keep(
              tf.reshape(tf.tile(tf.reshape(c, [this.examples, 1]), [1, rowsPerExample]), [-1, 1]),
            ) as tf.Tensor2D;
            // Explicit transpose + plain matmul (fast on wasm).
            if (piece.transposed) return tf.matMul(tf.transpose(tf.mul(piece.g, rowScale)), piece.a);
            return tf.matMul(tf.transpose(piece.a), tf.mul(piece.g, rowScale));
        }
      });
      out.set(name, sum);
    }
    rowScale?.dispose();
    cCol.dispose();
    return out;
  }

  dispose(): void {
    this.sq.dispose();
    for (const p of this.pieces.values()) {
      if (p.kind === 'perExample') p.grads.dispose();
      else if (p.kind === 'kernelBias') p.g.dispose();
      else if (p.kind === 'sparse') tf.dispose([p.example, p.index, p.value]);
      else tf.dispose([p.a, p.g]);
    }
    this.pieces.clear();
  }
}
