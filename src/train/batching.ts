/**
 * Token windows -> TokenBatch tensors. A window holds up to T + 1 tokens: inputs are
 * window[0..L-2], targets window[1..L-1]; the rest of the row is padding (mask 0). Ordinary
 * training and evaluation keep every batch at the same (rows, T) shape (backends reuse compiled
 * kernels); DP micro-batches are trimmed to their longest window (documentRowsToBatch).
 */
import * as tf from '@tensorflow/tfjs';
import type { MicroBatch } from '../dp/sampler';
import type { TokenBatch } from '../model/losses';

/** A batch of `rows` windows (missing rows are empty padding rows). */
export function windowsToBatch(
  windows: (number[] | null)[],
  rows: number,
  contextLength: number,
  padId: number,
): TokenBatch {
  if (windows.length > rows) throw new Error(`${windows.length} windows do not fit a batch of ${rows} rows`);
  const t = contextLength;
  const inputs = new Int32Array(rows * t).fill(padId);
  const targets = new Int32Array(rows * t).fill(padId);
  const mask = new Float32Array(rows * t);
  windows.forEach((w, r) => {
    if (!w) return;
    if (w.length > t + 1) throw new Error(`window of ${w.length} tokens exceeds context length ${t} + 1`);
    for (let i = 0; i + 1 < w.length; i++) {
      inputs[r * t + i] = w[i];
      targets[r * t + i] = w[i + 1];
      mask[r * t + i] = 1;
    }
  });
  return {
    inputs: tf.tensor2d(inputs, [rows, t], 'int32'),
    targets: tf.tensor2d(targets, [rows, t], 'int32'),
    mask: tf.tensor2d(mask, [rows, t], 'float32'),
  };
}

/** Batch lengths are multiples of this, so that trimmed batches come in few shapes. */
export const TRIM_MULTIPLE = 32;

/**
 * The columns a batch of these windows needs: the longest window's inputs (length - 1), rounded
 * up to a multiple of TRIM_MULTIPLE and at most contextLength. Short documents (a fortune, a
 * review) then cost a fraction of a full-context row; positions stay 0.. within each window.
 */
export function trimmedLength(windows: readonly (number[] | null)[], contextLength: number): number {
  let longest = 1;
  for (const w of windows) if (w && w.length - 1 > longest) longest = w.length - 1;
  return Math.min(contextLength, Math.ceil(longest / TRIM_MULTIPLE) * TRIM_MULTIPLE);
}

/**
 * A DP micro-batch: each document becomes K = `mb.windowsPerExample` consecutive batch rows
 * holding its sampled windows, in a batch trimmed to the longest window (trimmedLength).
 */
export function documentRowsToBatch(
  mb: MicroBatch,
  documentWindows: number[][][],
  contextLength: number,
  padId: number,
): TokenBatch {
  const windows: number[][] = [];
  for (const row of mb.rows) {
    if (row.windowIndices.length !== mb.windowsPerExample)
      throw new Error(
        `document ${row.documentIndex} has ${row.windowIndices.length} windows in a micro-batch of ${mb.windowsPerExample}`,
      );
    for (const w of row.windowIndices) windows.push(documentWindows[row.documentIndex][w]);
  }
  return windowsToBatch(windows, windows.length, trimmedLength(windows, contextLength), padId);
}

export function disposeBatch(b: TokenBatch): void {
  tf.dispose([b.inputs, b.targets, b.mask]);
}
