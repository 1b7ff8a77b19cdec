/**
 * Per-example clipped gradient sums, sum_i c_i g_i with c_i = min(1, C / (||g_i|| + 1e-6)) and
 * ||g_i|| taken over ALL trainable parameters, computed two ways:
 * - `clippedGradientsFast` (here): one forward + one backward pass (book-keeping, src/dp/tap.ts).
 *   As each layer's output gradient G arrives during the backward pass, it is reduced to what
 *   clipping needs (norm-accumulator.ts), by a backend-dependent strategy with the same results:
 *   on wasm/cpu either the per-example gradients A_i^T G_i by loops of 2-D matmuls (when the
 *   direct norm is cheaper, docs/METHOD.md's cost model, and they fit the memory budget) or the pair
 *   (A, G) with a looped ghost norm; on webgpu always (A, G), with norms and clipped sums by the
 *   fused WGSL kernels of src/kernels. After the pass, the norms give c, and the clipped sums are
 *   c-weighted sums of the kept pieces.
 * - `clippedGradientsNaive` (oracle.ts): per-example autodiff in a loop, clip, sum.
 * Tests require the two to agree.
 *
 * Batch layout: rows are windows; example (document) i owns rows [i K, (i + 1) K). Its loss is
 * the sum over its K windows of the mean cross-entropy over each window's own real tokens, so
 * an example's gradient depends on nothing but its own tokens. Empty padding rows (mask 0)
 * contribute exactly nothing.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import type { LoraAdapters } from '../model/lora';
import { perExampleLoss, type TokenBatch } from '../model/losses';
import type { Params } from '../model/params';
import {
  addEmbeddingNormsKernels,
  addEmbeddingNormsLooped,
  type EmbeddingNormInputs,
} from './embedding-norms';
import type { DPFaults } from './faults';
import {
  NormAccumulator,
  type NormBreakdown,
  type ReductionStrategy,
  resolveReductionStrategy,
} from './norm-accumulator';
import { clipFactors } from './norms';
import { TapRunner, type TapSite } from './tap';

/** How embeddings are treated under DP. */
export type EmbeddingMode = 'train' | 'frozen';

/**
 * Which parameters DP-SGD trains (and clips and noises):
 * - 'all': every parameter (embeddings as `EmbeddingMode` says);
 * - 'biasLayerNorm': only biases and LayerNorm gains/biases (BitFit-style, ~1% of a GPT-2);
 * - 'lora': only LoRA adapter factors (src/model/lora.ts), the model itself frozen.
 */
export type ParameterSelection = 'all' | 'biasLayerNorm' | 'lora';

export interface ClippingOptions {
  /** Clip norm C (default 1.0, as the reference stack). */
  clipNorm: number;
  /** Windows per example K: rows [iK, (i+1)K) belong to example i (default 1). */
  windowsPerExample: number;
  /** 'frozen' excludes wte and wpe (and a tied LM head, which is wte) from training. */
  embeddings: EmbeddingMode;
  /** Which parameters are trained (default 'all'); 'lora' needs `adapters`. */
  parameters: ParameterSelection;
  /** The LoRA adapters the forward pass adds (parameters 'lora'); their factors are what is trained. */
  adapters?: LoraAdapters;
  /**
   * Bytes of per-example gradients the fast path may hold at once (default 256 MB). Beyond it,
   * layers fall back to keeping (A, G) and forming A^T diag(c) G after the pass.
   */
  perExampleBudgetBytes: number;
  /**
   * Loss of each batch row (window) from the logits: default the mean next-token cross-entropy
   * over the row's own real tokens. The DPKD baseline passes a per-row distillation loss. It must
   * depend on that row only (then DP's per-example bound holds). `firstRow` is the index, in the
   * micro-batch, of the first row passed (the oracle passes one example's rows at a time), so a
   * loss that reads per-row data captured in its closure (teacher logits) can slice it.
   */
  rowLoss?: (logits: tf.Tensor3D, batch: TokenBatch, firstRow: number) => tf.Tensor1D;
  /**
   * How layer gradients are reduced (default 'auto': 'fusedKernels' on webgpu, where the WGSL
   * kernels are fast, 'perExampleLoops' elsewhere, the measured-fast path on wasm). Forcing
   * 'fusedKernels' on wasm runs the kernels' TF.js twins (used by tests).
   */
  reduction: ReductionStrategy;
  /** Also return each parameter's (E,) squared-norm contribution (tests, diagnostics). Default false. */
  recordNormBreakdown: boolean;
  /** TESTS OF THE PRIVACY AUDIT ONLY (src/dp/faults.ts): injected clipping/norm faults. */
  faults?: DPFaults;
}

export const DEFAULT_CLIPPING: ClippingOptions = {
  clipNorm: 1,
  windowsPerExample: 1,
  embeddings: 'train',
  parameters: 'all',
  perExampleBudgetBytes: 256 * 2 ** 20,
  reduction: 'auto',
  recordNormBreakdown: false,
};

export interface ClippedGradients {
  /** sum_i c_i g_i for every trainable parameter. */
  clippedSum: Map<string, tf.Tensor>;
  /** (E,) per-example gradient norms before clipping. */
  norms: tf.Tensor1D;
  /** (E,) clip factors c_i. */
  clipFactors: tf.Tensor1D;
  /** (E,) per-example losses. */
  losses: tf.Tensor1D;
  /** The reduction strategy used (fast path only). */
  strategy?: Exclude<ReductionStrategy, 'auto'>;
  /** Per-parameter squared norms, when `recordNormBreakdown` was set (fast path only; caller disposes). */
  breakdown?: NormBreakdown;
}

/** Biases and LayerNorm parameters (the 'biasLayerNorm' selection). */
export function isBiasOrLayerNorm(name: string): boolean {
  return name.endsWith('.bias') || /(^|\.)ln_(1|2|f)\.weight$/.test(name);
}

/** Names of the parameters DP-SGD trains under the given selection and embedding mode. */
export function trainableNames(
  params: Params,
  config: GPTConfig,
  mode: EmbeddingMode,
  selection: ParameterSelection = 'all',
  adapters?: LoraAdapters,
): Set<string> {
  if (selection === 'lora') {
    if (!adapters?.params.size) throw new Error("parameters 'lora' needs LoRA adapters");
    return new Set(adapters.params.keys());
  }
  if (selection === 'biasLayerNorm') return new Set([...params.keys()].filter(isBiasOrLayerNorm));
  if (selection !== 'all') throw new Error(`unknown parameter selection "${selection}"`);
  const names = new Set(params.keys());
  if (mode === 'frozen') {
    names.delete('wte.weight');
    names.delete('wpe.weight');
  }
  if (config.tieEmbeddings) names.delete('lm_head.weight');
  return names;
}

/** Per-example losses (E,) = sum over each example's K windows of the per-window loss. */
export function exampleLosses(
  logits: tf.Tensor3D,
  batch: TokenBatch,
  k: number,
  rowLoss: ClippingOptions['rowLoss'] = perExampleLoss,
  firstRow = 0,
): tf.Tensor1D {
  const rows = rowLoss(logits, batch, firstRow);
  return k === 1 ? rows : (tf.sum(tf.reshape(rows, [-1, k]), 1) as tf.Tensor1D);
}

export function checkBatch(batch: TokenBatch, k: number): { rows: number; t: number; examples: number } {
  const [rows, t] = batch.inputs.shape;
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`windowsPerExample must be a positive integer, got ${k}`);
  if (rows % k !== 0) throw new Error(`batch has ${rows} rows, not a multiple of windowsPerExample ${k}`);
  return { rows, t, examples: rows / k };
}

/**
 * Per-example sums over each example's rows: (E L, c) -> (E, c), one reduction of the middle axis;
 * each example's sum reads its own rows only, so a non-finite document stays its own.
 * Block-indicator matmuls did this on the CPU backends until they were timed with fresh operands,
 * as in a step: XNNPACK packs the (E L, c) operand before every product (scripts/profile-dp-step.ts's
 * replay: 2.95 ms, 2.9 GFLOP/s, per (8, 1024) x (1024, 512) product); README "Timed again with
 * fresh operands".
 */
export function sumRowsPerExample(x: tf.Tensor2D, examples: number): tf.Tensor2D {
  return tf.sum(tf.reshape(x, [examples, -1, x.shape[1]]), 1) as tf.Tensor2D;
}

export function clippedGradientsFast(
  params: Params,
  config: GPTConfig,
  batch: TokenBatch,
  options: Partial<ClippingOptions> = {},
): ClippedGradients {
  const opts = { ...DEFAULT_CLIPPING, ...options };
  const k = opts.windowsPerExample;
  const { rows, t, examples } = checkBatch(batch, k);
  const rowsPerExample = k * t;
  const strategy = resolveReductionStrategy(opts.reduction);
  const trainable = trainableNames(params, config, opts.embeddings, opts.parameters, opts.adapters);
  const p = (n: string) => params.get(n)! as tf.Tensor2D;
  const ids = tf.reshape(batch.inputs, [rows * t]) as tf.Tensor1D;
  const positions = tf.tidy(() => tf.tile(tf.range(0, t, 1, 'int32'), [rows])) as tf.Tensor1D;
  // Every row's positions are 0..T-1: the position rows are wpe[0:T] tiled (on wasm, block copies:
  // src/model/wasm-fixes.ts).
  const x0 = tf.tidy(() =>
    tf.add(
      tf.gather(p('wte.weight'), ids),
      tf.tile(tf.slice(p('wpe.weight'), [0, 0], [t, config.nEmbd]), [rows, 1]),
    ),
  ) as tf.Tensor2D;
  const acc = new NormAccumulator(
    examples,
    opts.perExampleBudgetBytes,
    opts.recordNormBreakdown,
    opts.faults?.excludeFromNorm,
  );
  const wteTrained = trainable.has('wte.weight');
  const headTrained = config.tieEmbeddings ? wteTrained : trainable.has('lm_head.weight');
  const perExample3D = (x: tf.Tensor2D) =>
    tf.reshape(x, [examples, rowsPerExample, x.shape[1]]) as tf.Tensor3D;

  const addLinear = (name: string, a: tf.Tensor2D, g: tf.Tensor2D) => {
    const weight = `${name}.weight`;
    const bias = `${name}.bias`;
    if (strategy === 'fusedKernels') {
      const g3 = perExample3D(g);
      if (trainable.has(weight)) acc.addLinearWeightKernel(weight, perExample3D(a), g3);
      if (trainable.has(bias)) acc.addBiasKernel(bias, g3);
      return;
    }
    if (trainable.has(weight)) acc.addLinearWeightLooped(weight, a, g);
    if (trainable.has(bias)) acc.addPerExample(bias, sumRowsPerExample(g, examples), [g.shape[1]]);
  };
  // LayerNorm gain and bias are kept as per-example sums (E, d) on every backend: they are tiny,
  // while keeping (xhat, G) for a kernel would hold two (E L, d) tensors per LayerNorm.
  const addLayerNorm = (name: string, xhat: tf.Tensor2D, g: tf.Tensor2D) => {
    const d = g.shape[1];
    if (trainable.has(`${name}.weight`))
      acc.addPerExample(`${name}.weight`, sumRowsPerExample(tf.mul(xhat, g), examples), [d]);
    if (trainable.has(`${name}.bias`)) acc.addPerExample(`${name}.bias`, sumRowsPerExample(g, examples), [d]);
  };

  // Consumes each layer's output gradient during the backward pass (see tap.ts).
  const consume = (name: string, site: TapSite, g: tf.Tensor2D): boolean => {
    if (site.kind === 'lmHead') return true; // the tied cross term also needs b: handled after the pass
    tf.tidy(() => {
      if (site.kind === 'linear') addLinear(name, site.input, g);
      else addLayerNorm(name, site.input, g);
    });
    return false;
  };
  // Only layers with a trained parameter are recorded (LoRA factors are layers `{site}.lora_A/B`).
  // The LM head is recorded when its weight (untied) or wte (tied: the cross term) is trained.
  const headRecorded = headTrained || wteTrained;
  const recorded = (site: string) =>
    site === 'lm_head' ? headRecorded : trainable.has(`${site}.weight`) || trainable.has(`${site}.bias`);
  const tap = new TapRunner(x0, consume, recorded);

  let losses: tf.Tensor1D | undefined;
  const [embGrad] = tf.grads((_x0: tf.Tensor) => {
    const { logits } = forward(params, config, batch.inputs, { runner: tap, adapters: opts.adapters });
    losses = tf.keep(exampleLosses(logits, batch, k, opts.rowLoss));
    return tf.sum(losses) as tf.Scalar;
  })([x0]) as tf.Tensor2D[];

  const head = tap.sites.get('lm_head');
  if (headRecorded && !head?.outputGrad) throw new Error('tap: no gradient reached the LM head');
  const headName = config.tieEmbeddings ? 'lm_head (tied wte)' : 'lm_head.weight';
  const idsPerExample = tf.reshape(batch.inputs, [examples, -1]) as tf.Tensor2D;
  tf.tidy(() => {
    if (headTrained && head?.outputGrad) {
      const gl = head.outputGrad;
      if (strategy === 'fusedKernels')
        acc.addLinearWeightKernel(headName, perExample3D(head.input), perExample3D(gl));
      else acc.addLinearWeightLooped(headName, head.input, gl, true);
    }
  });
  const wpeTrained = trainable.has('wpe.weight');
  if (wteTrained || wpeTrained) {
    const embeddingInputs: EmbeddingNormInputs = {
      b: embGrad,
      ids: idsPerExample,
      // Read only for the tied cross term, i.e. when wte is trained (then the head is recorded).
      headInput: head?.input as tf.Tensor2D,
      logitsGrad: head?.outputGrad as tf.Tensor2D,
      t,
      k,
      wte: wteTrained,
      wpe: wpeTrained,
      tied: config.tieEmbeddings,
      vocab: config.vocabSize,
      headName,
    };
    if (strategy === 'fusedKernels') addEmbeddingNormsKernels(acc, embeddingInputs);
    else addEmbeddingNormsLooped(acc, embeddingInputs);
  }

  const sqNorms = acc.squaredNorms();
  const factors = clipFactors(sqNorms, opts.clipNorm, opts.faults);
  const clippedSum = acc.clippedSums(factors, rowsPerExample);
  tf.tidy(() => {
    const rowScale = tf.reshape(tf.tile(tf.reshape(factors, [examples, 1]), [1, rowsPerExample]), [-1, 1]);
    const bScaled = tf.mul(embGrad, rowScale);
    const headSum = clippedSum.get(headName);
    clippedSum.delete(headName);
    // The parameter is (V, d): the looped head piece is already Gl^T diag(c) a (V, d); the kernel's
    // is a^T diag(c) Gl (d, V).
    let headGrad: tf.Tensor2D | undefined;
    if (headSum && strategy === 'fusedKernels')
      headGrad = tf.transpose(tf.reshape(headSum, [config.nEmbd, config.vocabSize])) as tf.Tensor2D;
    else if (headSum) headGrad = tf.reshape(headSum, [config.vocabSize, config.nEmbd]) as tf.Tensor2D;
    headSum?.dispose();
    if (wteTrained) {
      let g: tf.Tensor = tf.scatterND(tf.reshape(ids, [-1, 1]), bScaled, [config.vocabSize, config.nEmbd]);
      if (config.tieEmbeddings && headGrad) g = tf.add(g, headGrad);
      clippedSum.set('wte.weight', tf.keep(g));
    }
    if (!config.tieEmbeddings && headGrad) clippedSum.set('lm_head.weight', tf.keep(headGrad));
    if (wpeTrained) {
      const g = tf.scatterND(tf.reshape(positions, [-1, 1]), bScaled, [config.contextLength, config.nEmbd]);
      clippedSum.set('wpe.weight', tf.keep(g));
    }
  });
  const norms = tf.sqrt(sqNorms) as tf.Tensor1D;
  const breakdown = acc.breakdown;
  acc.dispose();
  tap.dispose();
  tf.dispose([embGrad, x0, ids, positions, idsPerExample, sqNorms]);
  return { clippedSum, norms, clipFactors: factors, losses: losses!, strategy, breakdown };
}
