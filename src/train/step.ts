/**
 * Ordinary (non-private) gradient computation: the token-mean loss of the batch and the gradient
 * of every trainable parameter by autodiff. Used for non-private baselines, distillation's student,
 * pretraining, and as the "non-DP step" the DP step is benchmarked against.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import { meanTokenLoss, type TokenBatch } from '../model/losses';
import type { Params } from '../model/params';

export interface GradResult {
  loss: tf.Scalar;
  /** Gradient per parameter name (trainable parameters only). */
  grads: Map<string, tf.Tensor>;
}

/** Loss and gradients for any scalar objective of the parameters. */
export function gradientsOf(params: Params, objective: () => tf.Scalar, trainable?: Set<string>): GradResult {
  const names = [...params.keys()].filter((n) => !trainable || trainable.has(n));
  const vars = names.map((n) => params.get(n)!);
  const { value, grads } = tf.variableGrads(objective, vars);
  const byName = new Map<string, tf.Tensor>();
  names.forEach((n, i) => {
    byName.set(n, grads[vars[i].name]);
  });
  return { loss: value, grads: byName };
}

/** Token-mean cross-entropy of next-token prediction and its gradients. */
export function lmGradients(
  params: Params,
  config: GPTConfig,
  batch: TokenBatch,
  trainable?: Set<string>,
): GradResult {
  return gradientsOf(
    params,
    () => meanTokenLoss(forward(params, config, batch.inputs).logits, batch),
    trainable,
  );
}
