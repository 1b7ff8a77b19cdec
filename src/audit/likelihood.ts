/** Log-likelihood of whole token sequences under a model (the black-box audit's membership score). */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import { tokenCrossEntropy } from '../model/losses';
import type { Params } from '../model/params';
import { disposeBatch, windowsToBatch } from '../train/batching';

/** sum_t log p(x_{t+1} | x_{<=t}) of each sequence (each at most contextLength + 1 tokens). */
export async function sequenceLogLikelihoods(
  params: Params,
  config: GPTConfig,
  sequences: number[][],
  padId: number,
  batchSize = 32,
): Promise<Float64Array> {
  const out = new Float64Array(sequences.length);
  for (let start = 0; start < sequences.length; start += batchSize) {
    const chunk = sequences.slice(start, start + batchSize);
    const batch = windowsToBatch(chunk, batchSize, config.contextLength, padId);
    const sums = tf.tidy(() => {
      const { logits } = forward(params, config, batch.inputs);
      return tf.sum(tf.mul(tokenCrossEntropy(logits, batch.targets), batch.mask), 1);
    });
    const values = await sums.data();
    sums.dispose();
    disposeBatch(batch);
    chunk.forEach((_, i) => {
      out[start + i] = -values[i];
    });
  }
  return out;
}
