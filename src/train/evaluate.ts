/**
 * Perplexity evaluation on token windows (no gradients). Reports
 * - token-weighted PPL: exp(total NLL / total predicted tokens), the standard definition;
 * - the paper's window-mean PPL: exp(mean over windows of each window's mean NLL);
 * - bits per byte: total NLL / (ln 2 * bytes of the predicted tokens), comparable across tokenizers.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import { tokenCrossEntropy } from '../model/losses';
import type { Params } from '../model/params';
import { disposeBatch, windowsToBatch } from './batching';

export interface EvaluationResult {
  /** exp(total NLL / tokens). */
  perplexity: number;
  /** exp(mean of per-window mean NLL), the paper's definition. */
  windowMeanPerplexity: number;
  /** Mean NLL per token, in nats. */
  lossPerToken: number;
  bitsPerByte: number;
  tokens: number;
  bytes: number;
  windows: number;
}

export interface EvaluationOptions {
  batchSize: number;
  padId: number;
  /** Bytes of text a token stands for (special tokens: 0). Default: 1 per token. */
  tokenByteLength?: (id: number) => number;
  /** Stop early after this many windows (e.g. a quick validation estimate during training). */
  maxWindows?: number;
  /** Called after each batch with windows done so far. */
  onProgress?: (done: number, total: number) => void;
  /**
   * If given, each scored token's NLL is also added to sum[i] (and 1 to count[i]) at its position i
   * in the window (i + 1 tokens of context): how the loss falls with context (scripts/context-position-loss.ts).
   * Both arrays hold at least contextLength entries.
   */
  positionLoss?: { sum: Float64Array; count: Float64Array };
}

/**
 * Each token's NLL (nats) in a batch of up to `rows` windows (window[i + 1] predicted from
 * window[0..i]), as a flat (rows x contextLength) array; 0 at padding.
 */
export async function windowTokenNll(
  params: Params,
  config: GPTConfig,
  windows: number[][],
  rows: number,
  padId: number,
): Promise<Float32Array> {
  const batch = windowsToBatch(windows, rows, config.contextLength, padId);
  const nll = tf.tidy(() =>
    tf.mul(tokenCrossEntropy(forward(params, config, batch.inputs).logits, batch.targets), batch.mask),
  );
  const values = (await nll.data()) as Float32Array;
  nll.dispose();
  disposeBatch(batch);
  return values;
}

export async function evaluatePerplexity(
  params: Params,
  config: GPTConfig,
  windows: number[][],
  options: EvaluationOptions,
): Promise<EvaluationResult> {
  const list = options.maxWindows !== undefined ? windows.slice(0, options.maxWindows) : windows;
  if (list.length === 0) throw new Error('evaluation: no windows to evaluate (is the split empty?)');
  const byteLength = options.tokenByteLength ?? (() => 1);
  let totalNll = 0;
  let totalTokens = 0;
  let totalBytes = 0;
  let windowMeanSum = 0;
  let windowCount = 0;
  for (let start = 0; start < list.length; start += options.batchSize) {
    const chunk = list.slice(start, start + options.batchSize);
    const values = await windowTokenNll(params, config, chunk, options.batchSize, options.padId);
    chunk.forEach((w, r) => {
      let sum = 0;
      const n = w.length - 1;
      for (let i = 0; i < n; i++) {
        const v = values[r * config.contextLength + i];
        sum += v;
        totalBytes += byteLength(w[i + 1]);
        if (options.positionLoss) {
          options.positionLoss.sum[i] += v;
          options.positionLoss.count[i]++;
        }
      }
      if (n > 0) {
        totalNll += sum;
        totalTokens += n;
        windowMeanSum += sum / n;
        windowCount++;
      }
    });
    options.onProgress?.(Math.min(start + options.batchSize, list.length), list.length);
  }
  const lossPerToken = totalNll / totalTokens;
  return {
    perplexity: Math.exp(lossPerToken),
    windowMeanPerplexity: Math.exp(windowMeanSum / windowCount),
    lossPerToken,
    bitsPerByte: totalBytes > 0 ? totalNll / (Math.LN2 * totalBytes) : Number.NaN,
    tokens: totalTokens,
    bytes: totalBytes,
    windows: windowCount,
  };
}
