/** Log-likelihood of whole token sequences, or of their tails, under a model (the black-box audit's scores). */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import { tokenCrossEntropy } from '../model/losses';
import type { Params } from '../model/params';
import { disposeBatch, trimmedLength, windowsToBatch } from '../train/batching';

/**
 * sum_{t >= from_i} log p(x_t | x_{<t}) of each sequence i (each at most contextLength + 1 tokens;
 * `from` defaults to 1 for every sequence: the whole sequence after its first token). Batches are
 * only as wide as their longest sequence needs (trimmedLength): canaries are short.
 */
export async function sequenceLogLikelihoods(
  params: Params,
  config: GPTConfig,
  sequences: number[][],
  padId: number,
  batchSize = 32,
  from?: ArrayLike<number>,
): Promise<Float64Array> {
  const out = new Float64Array(sequences.length);
  for (let start = 0; start < sequences.length; start += batchSize) {
    const chunk = sequences.slice(start, start + batchSize);
    const width = trimmedLength(chunk, config.contextLength);
    const batch = windowsToBatch(chunk, chunk.length, width, padId);
    const logLik = tf.tidy(() => {
      const { logits } = forward(params, config, batch.inputs);
      return tf.neg(tf.mul(tokenCrossEntropy(logits, batch.targets), batch.mask)) as tf.Tensor2D;
    });
    const values = await logLik.data();
    logLik.dispose();
    disposeBatch(batch);
    chunk.forEach((seq, i) => {
      // Target column c predicts token c + 1.
      const first = Math.max(1, from ? from[start + i] : 1);
      let sum = 0;
      for (let c = first - 1; c + 1 < seq.length; c++) sum += values[i * width + c];
      out[start + i] = sum;
    });
  }
  return out;
}
