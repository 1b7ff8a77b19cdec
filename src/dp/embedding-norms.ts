/**
 * Per-example squared norms of the embedding tables and of a tied LM head's cross term, from
 * b (E L, d) the gradient of the embedding output, Gl (E L, V) the gradient of the logits and
 * a (E L, d) the LM head input (docs/METHOD.md's table):
 *   token embedding   sum_{t,s} [x_t == x_s] (b_t . b_s)
 *   position emb.     sum_s ||b_s||^2 when each position occurs once per example (K = 1), else the
 *                     same-id sum with the position ids (they repeat across an example's K windows)
 *   tied cross term   2 sum_{t,s} Gl[t, x_s] (a_t . b_s)
 * Two implementations of the same formulas: per-example computations on the CPU backends (wasm),
 * and the fused kernels of src/kernels (webgpu; their TF.js twins elsewhere). On wasm, while the
 * vocabulary is small against L^2 (chooseEmbeddingNormMethod), each example's token-embedding
 * gradient S_i (V, d) is formed directly, a scatter of its L rows of b, and the terms are
 * ||S_i||^2 and 2 <S_i, H_i> with H_i the head's per-example gradient (already formed for its own
 * norm); otherwise they weigh per-example L x L Gram matrices. The position embedding's gradient
 * is the sum of an example's K windows of b, position by position.
 */
import * as tf from '@tensorflow/tfjs';
import { embeddingNormSq, tiedCrossSum } from '../kernels';
import type { NormAccumulator } from './norm-accumulator';
import { perExampleGramReduce } from './per-example';

export interface EmbeddingNormInputs {
  /** (E L, d) gradient of the embedding output. */
  b: tf.Tensor2D;
  /** (E, L) int32 token ids per example. */
  ids: tf.Tensor2D;
  /** LM head input (E L, d) and logits gradient (E L, V); needed for the tied cross term. */
  headInput: tf.Tensor2D;
  logitsGrad: tf.Tensor2D;
  /** Window length T and windows per example K (L = K T). */
  t: number;
  k: number;
  wte: boolean;
  wpe: boolean;
  tied: boolean;
  /** Vocabulary size V. */
  vocab: number;
  /** The LM head's name in the accumulator (its per-example gradients serve the direct cross term). */
  headName?: string;
}

/** Position ids (E, L) of every example's K windows. */
function positionIds(examples: number, t: number, k: number): tf.Tensor2D {
  return tf.reshape(tf.tile(tf.range(0, t, 1, 'int32'), [examples * k]), [examples, k * t]);
}

/** Sum of squares of each example's rows (E,), for position embeddings with K = 1. */
function distinctRowsSqNorms(b: tf.Tensor2D, examples: number): tf.Tensor1D {
  return tf.sum(tf.square(tf.reshape(b, [examples, -1])), 1) as tf.Tensor1D;
}

/**
 * Position embeddings with K windows per example: position p's gradient is the sum of b at p over
 * the example's K windows (every window holds positions 0..T-1), so the squared norm is that of
 * the (T, d) window sum.
 */
function windowSumsSqNorms(b: tf.Tensor2D, examples: number, k: number): tf.Tensor1D {
  return tf.sum(tf.square(tf.sum(tf.reshape(b, [examples, k, -1]), 1)), 1) as tf.Tensor1D;
}

export type EmbeddingNormMethod = 'direct' | 'gram';

/**
 * Bytes the direct method may hold for its (E, V d) per-example gradients: the shipped models need
 * ~1 MB per 8 examples; GPT-2's vocabulary (~150 MB per example) takes the Gram matrices.
 */
export const DIRECT_EMBEDDING_MAX_BYTES = 64 * 2 ** 20;

/**
 * 'direct' (form S_i: O(L d) scatter plus O(V d) elementwise) or 'gram' (O(L^2 d) in matmuls plus
 * O(L^2) elementwise) for the wasm path. Elementwise kernels run ~25x slower per operation than
 * XNNPACK's matmuls here, so direct pays while V <= L^2 / 16: the shipped byte-level models (V 258)
 * from L = 65 on, i.e. every full window (an 8-row micro-batch ~4% faster at L = 128, ~14% at
 * L = 1,024, i.e. K = 8: README, Performance).
 */
export function chooseEmbeddingNormMethod(
  examples: number,
  l: number,
  v: number,
  d: number,
  maxBytes = DIRECT_EMBEDDING_MAX_BYTES,
): EmbeddingNormMethod {
  return v * 16 <= l * l && examples * v * d * 4 <= maxBytes ? 'direct' : 'gram';
}

/**
 * (E, V d): example i's token-embedding gradient S_i (V, d) = the sum of its rows of b by token id,
 * flattened; one scatter (ScatterNd sums rows that share an index) into E stacked tables.
 */
function perExampleTokenGrads(b: tf.Tensor2D, ids: IdArray, examples: number, v: number): tf.Tensor2D {
  const l = ids.length / examples;
  const index = new Int32Array(ids.length);
  for (let j = 0; j < ids.length; j++) index[j] = Math.floor(j / l) * v + ids[j];
  const d = b.shape[1];
  const stacked = tf.scatterND(tf.tensor2d(index, [ids.length, 1], 'int32'), b, [examples * v, d]);
  return tf.reshape(stacked, [examples, v * d]) as tf.Tensor2D;
}

/** Token ids as read back from an int32 tensor. */
type IdArray = Int32Array | Uint8Array | Float32Array;

/**
 * (L, L) float mask [ids_t == ids_s] of one example's ids. Built on the CPU: TF.js wasm runs a
 * broadcast `equal` of (L, 1) and (1, L) through its generic broadcasting loop (~0.9 ms at L = 128
 * against 0.08 ms here, measured).
 */
function sameIdMask(ids: IdArray, from: number, l: number): tf.Tensor2D {
  const mask = new Float32Array(l * l);
  for (let t = 0; t < l; t++) {
    const id = ids[from + t];
    for (let s = 0; s < l; s++) if (ids[from + s] === id) mask[t * l + s] = 1;
  }
  return tf.tensor2d(mask, [l, l]);
}

/**
 * Vocabularies up to this size read Gl[t, x_s] by a matmul with a one-hot matrix, larger ones by
 * a gather. Chosen against TF.js' own wasm gather (~47 ns per float; the (L, V) x (V, L) matmul
 * ~V / 15 ns per output: 0.30 vs 0.77 ms at L 128, V 258, measured). The project's gather
 * (src/model/wasm-fixes.ts) copies single floats at ~18 ns each (scripts/bench-wasm-kernel-fixes.ts),
 * about the matmul's cost at V 258 and cheaper above it; the threshold is kept, so the shipped
 * byte-level models keep their path.
 */
export const ONE_HOT_CROSS_MAX_VOCAB = 512;

/** (V, L) one-hot matrix of one example's ids: column s has its 1 at row x_s. */
function oneHotColumns(ids: IdArray, from: number, l: number, v: number): tf.Tensor2D {
  const m = new Float32Array(v * l);
  for (let s = 0; s < l; s++) m[ids[from + s] * l + s] = 1;
  return tf.tensor2d(m, [v, l]);
}

/** Flat indices of Gl[t, x_s] in the (E L, V) logits gradient for the example at row `from`. */
function crossIndices(ids: IdArray, from: number, l: number, v: number): tf.Tensor1D {
  const index = new Int32Array(l * l);
  for (let t = 0; t < l; t++) for (let s = 0; s < l; s++) index[t * l + s] = (from + t) * v + ids[from + s];
  return tf.tensor1d(index, 'int32');
}

/**
 * The wasm path: per-example L x L Gram matrices, one example at a time. The id masks and gather
 * indices are built on the CPU from the ids (E L int32, read once): the CPU backends' broadcast
 * ops cost more than the Gram matmuls they weigh.
 */
export function addEmbeddingNormsLooped(acc: NormAccumulator, x: EmbeddingNormInputs): void {
  const e = acc.examples;
  const l = x.ids.shape[1];
  tf.tidy(() => {
    const [v, d] = [x.vocab, x.b.shape[1]];
    // Read back once: the direct scatter, the same-id masks and the cross term's indices use it.
    const ids = x.wte ? x.ids.dataSync() : undefined;
    if (ids && chooseEmbeddingNormMethod(e, l, v, d) === 'direct') {
      const tokenGrads = perExampleTokenGrads(x.b, ids, e, v);
      acc.addSqNorms('wte.weight', 'direct:embedding', tf.sum(tf.square(tokenGrads), 1) as tf.Tensor1D);
      const head = x.tied && x.headName ? acc.linearPerExample(x.headName) : undefined;
      if (head) {
        // <S_i, H_i> with H_i in the head's layout: (d, V) ('inOut') or (V, d).
        const s =
          head.layout === 'inOut'
            ? tf.reshape(tf.transpose(tf.reshape(tokenGrads, [e, v, d]), [0, 2, 1]), [e, -1])
            : tokenGrads;
        acc.addSqNorms(
          'tied cross term',
          'direct:tiedCross',
          tf.mul(2, tf.sum(tf.mul(s, head.grads), 1)) as tf.Tensor1D,
        );
      } else if (x.tied) addTiedCrossGram(acc, x, ids);
    } else if (ids) {
      acc.addSqNorms(
        'wte.weight',
        'looped:embedding',
        perExampleGramReduce(x.b, x.b, e, (i, bb) => tf.mul(bb, sameIdMask(ids, i * l, l))),
      );
      if (x.tied) addTiedCrossGram(acc, x, ids);
    }
    if (x.wpe) {
      if (x.k === 1) acc.addSqNorms('wpe.weight', 'distinctRows', distinctRowsSqNorms(x.b, e));
      else acc.addSqNorms('wpe.weight', 'windowSums', windowSumsSqNorms(x.b, e, x.k));
    }
  });
}

/** The tied cross term by per-example L x L matrices of Gl[t, x_s] weighing a_t . b_s. */
function addTiedCrossGram(acc: NormAccumulator, x: EmbeddingNormInputs, ids: IdArray): void {
  const e = acc.examples;
  const l = x.ids.shape[1];
  const v = x.logitsGrad.shape[1];
  const oneHot = v <= ONE_HOT_CROSS_MAX_VOCAB;
  const flatGl = tf.reshape(x.logitsGrad, [-1]);
  // (L, L) matrix of Gl[t, x_s] for example i. By flat indices, not tf.gather with
  // batchDims (wrong on TF.js 4.22 wasm).
  const glAtIds = (i: number) =>
    oneHot
      ? tf.matMul(tf.slice(x.logitsGrad, [i * l, 0], [l, v]), oneHotColumns(ids, i * l, l, v))
      : tf.reshape(tf.gather(flatGl, crossIndices(ids, i * l, l, v)), [l, l]);
  const cross = perExampleGramReduce(x.headInput, x.b, e, (i, ab) => tf.mul(glAtIds(i), ab));
  acc.addSqNorms(
    'tied cross term',
    oneHot ? 'looped:tiedCrossOneHot' : 'looped:tiedCross',
    tf.mul(2, cross) as tf.Tensor1D,
  );
}

/** The webgpu path: one fused kernel per term (the TF.js twins on other backends). */
export function addEmbeddingNormsKernels(acc: NormAccumulator, x: EmbeddingNormInputs): void {
  const e = acc.examples;
  const l = x.ids.shape[1];
  tf.tidy(() => {
    const b3 = tf.reshape(x.b, [e, l, -1]) as tf.Tensor3D;
    if (x.wte) {
      acc.addSqNorms('wte.weight', 'kernel:embedding', embeddingNormSq(x.ids, b3));
      if (x.tied) {
        const gl3 = tf.reshape(x.logitsGrad, [e, l, -1]) as tf.Tensor3D;
        const a3 = tf.reshape(x.headInput, [e, l, -1]) as tf.Tensor3D;
        const cross = tiedCrossSum(gl3, a3, b3, x.ids);
        acc.addSqNorms('tied cross term', 'kernel:tiedCross', tf.mul(2, cross) as tf.Tensor1D);
      }
    }
    if (x.wpe) {
      if (x.k === 1) acc.addSqNorms('wpe.weight', 'distinctRows', distinctRowsSqNorms(x.b, e));
      else acc.addSqNorms('wpe.weight', 'kernel:embedding', embeddingNormSq(positionIds(e, x.t, x.k), b3));
    }
  });
}
