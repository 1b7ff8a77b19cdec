/**
 * Token windows -> fixed-shape TokenBatch tensors. A window holds up to T + 1 tokens: inputs are
 * window[0..L-2], targets window[1..L-1]; the rest of the row is padding (mask 0). Keeping every
 * batch at the same (rows, T) shape lets backends reuse compiled kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { MicroBatchRow } from '../dp/sampler';
import type { TokenBatch } from './losses';

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

/**
 * A DP micro-batch: each of its rows (documents) becomes K consecutive batch rows holding that
 * document's sampled windows, then empty rows up to K (short documents, padding documents).
 */
export function documentRowsToBatch(
  rows: MicroBatchRow[],
  documentWindows: number[][][],
  windowsPerDocument: number,
  contextLength: number,
  padId: number,
): TokenBatch {
  const k = windowsPerDocument;
  const windows: (number[] | null)[] = [];
  for (const row of rows) {
    for (let j = 0; j < k; j++) {
      const w = row.isPadding ? undefined : row.windowIndices[j];
      windows.push(w === undefined ? null : documentWindows[row.documentIndex][w]);
    }
  }
  return windowsToBatch(windows, rows.length * k, contextLength, padId);
}

export function disposeBatch(b: TokenBatch): void {
  tf.dispose([b.inputs, b.targets, b.mask]);
}
