/**
 * Per-example clipped gradient sums, sum_i c_i g_i with c_i = min(1, C / (||g_i|| + 1e-6)) and
 * ||g_i|| taken over ALL trainable parameters, computed two ways:
 * - `clippedGradientsFast`: one forward + one backward (book-keeping, src/dp/tap.ts), per-example
 *   norms per layer from (A, G) (src/dp/norms.ts), then the clipped sums dW = A^T diag(c) G;
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
import type { Params } from '../model/params';
import { perExampleLoss, type TokenBatch } from '../train/losses';
import {
  biasSqNorms,
  clipFactors,
  distinctRowsSqNorms,
  embeddingSqNorms,
  layerNormSqNorms,
  linearWeightSqNorms,
  tiedCrossTerm,
} from './norms';
import { TapRunner } from './tap';

/** How embeddings are treated under DP. */
export type EmbeddingMode = 'train' | 'frozen';

export interface ClippingOptions {
  /** Clip norm C (default 1.0, as the reference stack). */
  clipNorm: number;
  /** Windows per example K: rows [iK, (i+1)K) belong to example i (default 1). */
  windowsPerExample: number;
  /** 'frozen' excludes wte and wpe (and a tied LM head, which is wte) from training. */
  embeddings: EmbeddingMode;
}

export const DEFAULT_CLIPPING: ClippingOptions = { clipNorm: 1, windowsPerExample: 1, embeddings: 'train' };

export interface ClippedGradients {
  /** sum_i c_i g_i for every trainable parameter. */
  clippedSum: Map<string, tf.Tensor>;
  /** (E,) per-example gradient norms before clipping. */
  norms: tf.Tensor1D;
  /** (E,) clip factors c_i. */
  clipFactors: tf.Tensor1D;
  /** (E,) per-example losses. */
  losses: tf.Tensor1D;
}

/** Names of the parameters DP-SGD trains under the given embedding mode. */
export function trainableNames(params: Params, config: GPTConfig, mode: EmbeddingMode): Set<string> {
  const names = new Set(params.keys());
  if (mode === 'frozen') {
    names.delete('wte.weight');
    names.delete('wpe.weight');
  }
  if (config.tieEmbeddings) names.delete('lm_head.weight');
  return names;
}

/** Per-example losses (E,) = sum over each example's K windows of the per-window mean CE. */
export function exampleLosses(logits: tf.Tensor3D, batch: TokenBatch, k: number): tf.Tensor1D {
  const rows = perExampleLoss(logits, batch);
  return k === 1 ? rows : (tf.sum(tf.reshape(rows, [-1, k]), 1) as tf.Tensor1D);
}

function checkBatch(batch: TokenBatch, k: number): { rows: number; t: number; examples: number } {
  const [rows, t] = batch.inputs.shape;
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`windowsPerExample must be a positive integer, got ${k}`);
  if (rows % k !== 0) throw new Error(`batch has ${rows} rows, not a multiple of windowsPerExample ${k}`);
  return { rows, t, examples: rows / k };
}

/** Regroups (N, c) rows into (E, K*T, c): one "sequence" per example for the norm formulas. */
function perExample(x: tf.Tensor2D, examples: number): tf.Tensor3D {
  return tf.reshape(x, [examples, -1, x.shape[1]]);
}

export function clippedGradientsFast(
  params: Params,
  config: GPTConfig,
  batch: TokenBatch,
  options: Partial<ClippingOptions> = {},
): ClippedGradients {
  const opts = { ...DEFAULT_CLIPPING, ...options };
  const { rows, t, examples } = checkBatch(batch, opts.windowsPerExample);
  const trainable = trainableNames(params, config, opts.embeddings);
  const p = (n: string) => params.get(n)! as tf.Tensor2D;
  const ids = tf.reshape(batch.inputs, [rows * t]) as tf.Tensor1D;
  const positions = tf.tile(tf.range(0, t, 1, 'int32'), [rows]) as tf.Tensor1D;
  const x0 = tf.tidy(() =>
    tf.add(tf.gather(p('wte.weight'), ids), tf.gather(p('wpe.weight'), positions)),
  ) as tf.Tensor2D;
  const tap = new TapRunner(x0);

  let losses: tf.Tensor1D | undefined;
  const [embGrad] = tf.grads((_x0: tf.Tensor) => {
    const { logits } = forward(params, config, batch.inputs, { runner: tap });
    losses = tf.keep(exampleLosses(logits, batch, opts.windowsPerExample));
    return tf.sum(losses) as tf.Scalar;
  })([x0]);

  const clippedSum = new Map<string, tf.Tensor>();
  const [norms, factors] = tf.tidy(() => {
    const sites = [...tap.sites.entries()];
    for (const [name, s] of sites) if (!s.outputGrad) throw new Error(`tap: no gradient reached ${name}`);

    // 1. Per-example squared norms over every trainable parameter.
    let sq = tf.zeros([examples]) as tf.Tensor1D;
    const add = (v: tf.Tensor1D) => {
      sq = tf.add(sq, v);
    };
    const head = tap.sites.get('lm_head')!;
    const headA = perExample(head.input, examples);
    const headG = perExample(head.outputGrad!, examples);
    const embB = perExample(embGrad as tf.Tensor2D, examples);
    const exIds = tf.reshape(batch.inputs, [examples, -1]) as tf.Tensor2D;
    for (const [name, s] of sites) {
      if (s.kind === 'lmHead') continue;
      const a = perExample(s.input, examples);
      const g = perExample(s.outputGrad!, examples);
      if (s.kind === 'linear') {
        if (trainable.has(`${name}.weight`)) add(linearWeightSqNorms(a, g));
        if (trainable.has(`${name}.bias`)) add(biasSqNorms(g));
      } else if (trainable.has(`${name}.weight`)) add(layerNormSqNorms(a, g));
    }
    const wteTrained = trainable.has('wte.weight');
    if (wteTrained) add(embeddingSqNorms(exIds, embB));
    if (config.tieEmbeddings ? wteTrained : trainable.has('lm_head.weight'))
      add(linearWeightSqNorms(headA, headG));
    if (config.tieEmbeddings && wteTrained) add(tiedCrossTerm(headG, headA, embB, exIds));
    if (trainable.has('wpe.weight')) {
      const exPos = tf.reshape(positions, [examples, -1]) as tf.Tensor2D;
      add(opts.windowsPerExample === 1 ? distinctRowsSqNorms(embB) : embeddingSqNorms(exPos, embB));
    }
    // Round-off can make a sum of squares a hair negative when it is ~0.
    const sqNorms = tf.relu(sq) as tf.Tensor1D;
    const c = clipFactors(sqNorms, opts.clipNorm);

    // 2. Clipped sums: every row of example i is scaled by c_i, then ordinary weight gradients.
    const rowScale = tf.reshape(tf.tile(tf.reshape(c, [examples, 1]), [1, (rows / examples) * t]), [
      rows * t,
      1,
    ]);
    const set = (name: string, value: tf.Tensor) => clippedSum.set(name, tf.keep(value)); // Maps escape tidy
    for (const [name, s] of sites) {
      if (s.kind === 'lmHead') continue;
      const gs = tf.mul(s.outputGrad!, rowScale);
      if (s.kind === 'linear') {
        if (trainable.has(`${name}.weight`)) set(`${name}.weight`, tf.matMul(tf.transpose(s.input), gs));
        if (trainable.has(`${name}.bias`)) set(`${name}.bias`, tf.sum(gs, 0));
      } else {
        if (trainable.has(`${name}.weight`)) set(`${name}.weight`, tf.sum(tf.mul(s.input, gs), 0));
        if (trainable.has(`${name}.bias`)) set(`${name}.bias`, tf.sum(gs, 0));
      }
    }
    const bScaled = tf.mul(embGrad, rowScale);
    // Head gradient (V, d) = (c * Gl)^T a, with an explicit transpose (fast on wasm).
    const headGrad = () => tf.matMul(tf.transpose(tf.mul(head.outputGrad!, rowScale)), head.input);
    if (wteTrained) {
      let g = tf.scatterND(tf.reshape(ids, [-1, 1]), bScaled, [config.vocabSize, config.nEmbd]);
      if (config.tieEmbeddings) g = tf.add(g, headGrad());
      set('wte.weight', g);
    }
    if (!config.tieEmbeddings && trainable.has('lm_head.weight')) set('lm_head.weight', headGrad());
    if (trainable.has('wpe.weight')) {
      set(
        'wpe.weight',
        tf.scatterND(tf.reshape(positions, [-1, 1]), bScaled, [config.contextLength, config.nEmbd]),
      );
    }
    return [tf.sqrt(sqNorms) as tf.Tensor1D, c];
  });
  tap.dispose();
  tf.dispose([embGrad, x0, ids, positions]);
  return { clippedSum, norms, clipFactors: factors, losses: losses! };
}
