/**
 * Examples whose per-example gradients are given directly as sparse vectors rather than computed
 * from tokens: the empirical privacy audit's gradient canaries (src/audit/whitebox.ts). They are
 * clipped and summed by the same NormAccumulator and clip rule (`clipFactors`) as documents, so a
 * clipping or norm fault that hits documents hits them too.
 */
import * as tf from '@tensorflow/tfjs';
import type { DPFaults } from './faults';
import { NormAccumulator } from './norm-accumulator';
import { clipFactors } from './norms';

/** Entry j: `value[j]` at flat position `index[j]` of the parameter, in example `example[j]`. */
export interface SparseEntries {
  example: Int32Array;
  index: Int32Array;
  value: Float32Array;
}

export interface SparseExampleGradients {
  /** Number of examples E (example ids are 0 .. E-1). */
  examples: number;
  /** Entries of each parameter that any example touches. */
  byParameter: Map<string, SparseEntries>;
}

/** sum_i c_i g_i over the examples, c_i = min(1, C / (||g_i|| + 1e-6)), per parameter touched. */
export function clippedSparseSums(
  grads: SparseExampleGradients,
  shapes: ReadonlyMap<string, readonly number[]>,
  clipNorm: number,
  faults?: DPFaults,
): Map<string, tf.Tensor> {
  const acc = new NormAccumulator(grads.examples, 0, false, faults?.excludeFromNorm);
  try {
    for (const [name, entries] of grads.byParameter) {
      const shape = shapes.get(name);
      if (!shape) throw new Error(`sparse example gradient for unknown parameter ${name}`);
      acc.addSparsePerExample(name, entries, [...shape]);
    }
    const sq = acc.squaredNorms();
    const c = clipFactors(sq, clipNorm, faults);
    const sums = acc.clippedSums(c, 1);
    tf.dispose([sq, c]);
    return sums;
  } finally {
    acc.dispose();
  }
}
