/**
 * A document whose gradient is NaN or infinite gets clip factor 0 for that step: it contributes
 * nothing to the clipped sum (noise is still added as usual), and the caller counts it locally.
 * Stopping the run instead would be a decision made from private data outside any mechanism (one
 * bad document could end training for everyone, observably). Only a non-finite model after the
 * noisy update, a function of released quantities, stops the run (train/dp-train.ts).
 *
 * NaN * 0 is NaN, so scaling the poisoned rows by 0 is not enough: the micro-batch is computed
 * again with those documents' rows emptied (padding tokens, mask 0), which contributes exactly
 * nothing. Every other document's gradient depends on its own rows only, so it is unchanged.
 * Works for any clipping path (the fast book-keeping path and the naive oracle alike).
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import type { TokenBatch } from '../model/losses';
import type { Params } from '../model/params';
import { type ClippedGradients, type ClippingOptions, checkBatch, DEFAULT_CLIPPING } from './clipping';

export type ClippingPath = (
  params: Params,
  config: GPTConfig,
  batch: TokenBatch,
  options: Partial<ClippingOptions>,
) => ClippedGradients;

export interface GuardedClipping extends ClippedGradients {
  /** Examples (documents) of the micro-batch whose gradient was non-finite: clip factor 0. */
  nonFiniteExamples: number[];
}

function disposeClipping(r: ClippedGradients): void {
  tf.dispose([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
  if (r.breakdown) tf.dispose([...r.breakdown.sqNorms.values()]);
}

/** The batch with the rows of the given examples replaced by empty padding rows. */
export function emptyExamples(batch: TokenBatch, examples: number[], k: number, padId: number): TokenBatch {
  const [rows, t] = batch.inputs.shape;
  const keepRow = new Float32Array(rows).fill(1);
  for (const e of examples) keepRow.fill(0, e * k, (e + 1) * k);
  return tf.tidy(() => {
    const keep = tf.tile(tf.reshape(tf.tensor1d(keepRow), [rows, 1]), [1, t]);
    const isKept = tf.greater(keep, 0);
    const pad = tf.fill([rows, t], padId, 'int32');
    return {
      inputs: tf.where(isKept, batch.inputs, pad) as tf.Tensor2D,
      targets: tf.where(isKept, batch.targets, pad) as tf.Tensor2D,
      mask: tf.mul(batch.mask, keep) as tf.Tensor2D,
    };
  });
}

export async function clipSkippingNonFinite(
  path: ClippingPath,
  params: Params,
  config: GPTConfig,
  batch: TokenBatch,
  options: Partial<ClippingOptions>,
  padId: number,
): Promise<GuardedClipping> {
  const first = path(params, config, batch, options);
  const norms = await first.norms.data();
  const bad: number[] = [];
  norms.forEach((n, i) => {
    if (!Number.isFinite(n)) bad.push(i);
  });
  if (bad.length === 0) return { ...first, nonFiniteExamples: [] };
  const k = options.windowsPerExample ?? DEFAULT_CLIPPING.windowsPerExample;
  const { examples } = checkBatch(batch, k);
  const emptied = emptyExamples(batch, bad, k, padId);
  let again: ClippedGradients;
  try {
    again = path(params, config, emptied, options);
  } finally {
    tf.dispose([emptied.inputs, emptied.targets, emptied.mask]);
  }
  const keep = new Float32Array(examples).fill(1);
  for (const e of bad) keep[e] = 0;
  // Factor 0 for the skipped documents; their norm and loss stay the non-finite values seen.
  const [clipFactors, norms1, losses] = tf.tidy(() => {
    const keepTensor = tf.tensor1d(keep);
    const kept = tf.greater(keepTensor, 0);
    return [
      tf.mul(again.clipFactors, keepTensor) as tf.Tensor1D,
      tf.where(kept, again.norms, first.norms) as tf.Tensor1D,
      tf.where(kept, again.losses, first.losses) as tf.Tensor1D,
    ];
  });
  const result: GuardedClipping = {
    ...again,
    clipFactors,
    norms: norms1,
    losses,
    nonFiniteExamples: bad,
  };
  tf.dispose([again.clipFactors, again.norms, again.losses]);
  disposeClipping(first);
  return result;
}
