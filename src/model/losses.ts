/**
 * Language-model losses. The per-example loss is the mean cross-entropy over *that example's own*
 * target tokens (mask = 1), so one example's gradient never depends on another's token count
 * (unlike a batch-token mean; this matters for DP, where each example is clipped on its own).
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyRows } from './ops';

/** A fixed-shape batch of next-token prediction windows. Pads are on the right. */
export interface TokenBatch {
  /** (B, T) int32 input ids. */
  inputs: tf.Tensor2D;
  /** (B, T) int32 next-token targets. */
  targets: tf.Tensor2D;
  /** (B, T) float32: 1 where the target is a real token, 0 for padding (and padding rows). */
  mask: tf.Tensor2D;
}

/** Per-token cross-entropy (B, T) from logits (B, T, V) and targets (B, T). */
export function tokenCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const [b, t, v] = logits.shape;
  const rows = crossEntropyRows(tf.reshape(logits, [b * t, v]), tf.reshape(targets, [b * t]) as tf.Tensor1D);
  return tf.reshape(rows, [b, t]);
}

/** Row weights mask / max(1, tokens in the row): each row's weights sum to 1 (0 for empty rows). */
export function perExampleTokenWeights(mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(mask, tf.maximum(tf.sum(mask, 1, true), 1)));
}

/** Per-example loss (B,): mean cross-entropy over each example's own real tokens; 0 for empty rows. */
export function perExampleLoss(logits: tf.Tensor3D, batch: TokenBatch): tf.Tensor1D {
  return tf.sum(tf.mul(tokenCrossEntropy(logits, batch.targets), perExampleTokenWeights(batch.mask)), 1);
}

/** Token-weighted mean loss of the batch (ordinary non-private training and evaluation). */
export function meanTokenLoss(logits: tf.Tensor3D, batch: TokenBatch): tf.Scalar {
  const ce = tokenCrossEntropy(logits, batch.targets);
  return tf.div(tf.sum(tf.mul(ce, batch.mask)), tf.maximum(tf.sum(batch.mask), 1));
}
