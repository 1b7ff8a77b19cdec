/**
 * The naive DP oracle: per-example gradients by ordinary autodiff, one example at a time, each
 * clipped over all trainable parameters and summed. Slow (E backward passes) and memory-light;
 * it is the independent truth the fast book-keeping path (clipping.ts) is tested against, and the
 * "naive" column of the DP benchmark.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import type { Params } from '../model/params';
import type { TokenBatch } from '../train/losses';
import { gradientsOf } from '../train/step';
import {
  type ClippedGradients,
  type ClippingOptions,
  checkBatch,
  DEFAULT_CLIPPING,
  exampleLosses,
  trainableNames,
} from './clipping';

export function clippedGradientsNaive(
  params: Params,
  config: GPTConfig,
  batch: TokenBatch,
  options: Partial<ClippingOptions> = {},
): ClippedGradients {
  const opts = { ...DEFAULT_CLIPPING, ...options };
  const k = opts.windowsPerExample;
  const { t, examples } = checkBatch(batch, k);
  const trainable = trainableNames(params, config, opts.embeddings, opts.parameters, opts.adapters);
  // LoRA factors are variables outside the model's parameters: differentiate them with the rest.
  const variables: Params = opts.adapters ? new Map([...params, ...opts.adapters.params]) : params;
  const sums = new Map<string, tf.Tensor>();
  const norms: tf.Scalar[] = [];
  const losses: tf.Scalar[] = [];
  for (let i = 0; i < examples; i++) {
    const slice = (x: tf.Tensor2D) => tf.slice(x, [i * k, 0], [k, t]);
    const one: TokenBatch = {
      inputs: slice(batch.inputs),
      targets: slice(batch.targets),
      mask: slice(batch.mask),
    };
    const { loss, grads } = gradientsOf(
      variables,
      () =>
        tf.sum(
          exampleLosses(
            forward(params, config, one.inputs, { adapters: opts.adapters }).logits,
            one,
            k,
            opts.rowLoss,
            i * k,
          ),
        ) as tf.Scalar,
      trainable,
    );
    // Stays on the device (no sync read-back, which webgpu forbids). Pairwise adds, not tf.addN:
    // webgpu's AddN binds every input at once and fails beyond 8 storage buffers per shader.
    const norm = tf.tidy(() =>
      tf.sqrt([...grads.values()].map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b))),
    ) as tf.Scalar;
    const c = tf.tidy(() => tf.minimum(1, tf.div(opts.clipNorm, tf.add(norm, 1e-6))));
    norms.push(norm);
    losses.push(loss);
    for (const [name, g] of grads) {
      const scaled = tf.mul(g, c);
      const prev = sums.get(name);
      sums.set(name, prev ? tf.add(prev, scaled) : scaled);
      if (prev) {
        prev.dispose();
        scaled.dispose();
      }
    }
    tf.dispose([c, ...grads.values(), one.inputs, one.targets, one.mask]);
  }
  const normVec = tf.stack(norms) as tf.Tensor1D;
  const clip = tf.tidy(() => tf.minimum(1, tf.div(opts.clipNorm, tf.add(normVec, 1e-6)))) as tf.Tensor1D;
  const lossVec = tf.stack(losses) as tf.Tensor1D;
  tf.dispose([...norms, ...losses]);
  return { clippedSum: sums, norms: normVec, clipFactors: clip, losses: lossVec };
}
