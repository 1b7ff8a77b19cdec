/**
 * Clip factors from per-example squared gradient norms.
 *
 * The per-parameter squared-norm formulas of book-keeping / ghost clipping (docs/METHOD.md's table)
 * live in one place: src/kernels (`linearNormSq`, `biasNormSq`, `embeddingNormSq`,
 * `tiedCrossSum`, ... with their plain TF.js twins in src/kernels/twins.ts, which are checked
 * against float64 loops on wasm and against the WGSL kernels on webgpu). The wasm-tuned fast path
 * computes the same quantities with loops of 2-D matmuls (src/dp/per-example.ts).
 */
import * as tf from '@tensorflow/tfjs';

/** c_i = min(1, C / (||g_i|| + 1e-6)), as Opacus. */
export function clipFactors(sqNorms: tf.Tensor1D, clipNorm: number): tf.Tensor1D {
  return tf.tidy(() => tf.minimum(1, tf.div(clipNorm, tf.add(tf.sqrt(sqNorms), 1e-6))) as tf.Tensor1D);
}
