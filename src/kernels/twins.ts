/**
 * Plain TF.js twins of the WGSL kernels: the reference the kernels are tested against and the
 * fallback on wasm/cpu. Matmuls use explicit transposes (transposed matmuls are ~10x slower on
 * TF.js wasm, docs/ARCHITECTURE.md "TF.js traps"). These materialise the L x L (or d x p) intermediates the WGSL
 * kernels avoid, which is fine for a fallback and for tests.
 */
import * as tf from '@tensorflow/tfjs';

/** Batched x @ y^T for x (B, L, k), y (B, M, k) -> (B, L, M). */
function batchedOuterDots(x: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor3D {
  return tf.matMul(x, tf.transpose(y, [0, 2, 1]));
}

/** sum_{t,s} (a_t . a_s)(g_t . g_s) per example. */
export function ghostNormSqTwin(a: tf.Tensor3D, g: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(batchedOuterDots(a, a), batchedOuterDots(g, g)), [1, 2]) as tf.Tensor1D);
}

/** ||A_i^T G_i||_F^2 per example, forming each (d x p) per-example gradient. */
export function directNormSqTwin(a: tf.Tensor3D, g: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.square(tf.matMul(tf.transpose(a, [0, 2, 1]), g)), [1, 2]) as tf.Tensor1D);
}

/** ||sum_t g_t||^2 per example. */
export function biasNormSqTwin(g: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.square(tf.sum(g, 1)), 1) as tf.Tensor1D);
}

/** sum_{t,s} [x_t == x_s] (b_t . b_s) per example. */
export function embeddingNormSqTwin(ids: tf.Tensor2D, b: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const same = tf.cast(tf.equal(tf.expandDims(ids, 2), tf.expandDims(ids, 1)), 'float32');
    return tf.sum(tf.mul(same, batchedOuterDots(b, b)), [1, 2]) as tf.Tensor1D;
  });
}

/** sum_{t,s} Gl[t, x_s] (a_t . b_s) per example (no factor 2; see tiedCrossSum). */
export function tiedCrossSumTwin(
  gl: tf.Tensor3D,
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  ids: tf.Tensor2D,
): tf.Tensor1D {
  return tf.tidy(() => {
    // [i, t, s] = Gl[i, t, ids[i, s]] through a flat gather: tf.gather with batchDims = 1 returns
    // garbage on the wasm backend of TF.js 4.22 (e.g. Gl (2, 1, 3), ids (2, 1)).
    const [bSize, l, vocab] = gl.shape;
    const rowStart = tf.reshape(tf.mul(tf.range(0, bSize * l, 1, 'int32'), tf.scalar(vocab, 'int32')), [
      bSize,
      l,
      1,
    ]);
    const flatIndex = tf.add(rowStart, tf.expandDims(ids, 1));
    const glAtIds = tf.gather(tf.reshape(gl, [-1]), flatIndex);
    return tf.sum(tf.mul(glAtIds, batchedOuterDots(a, b)), [1, 2]) as tf.Tensor1D;
  });
}

/** base + sum_i c_i A_i^T G_i as one (d x p) matmul over the B*L rows. */
export function clippedWeightSumTwin(
  a: tf.Tensor3D,
  g: tf.Tensor3D,
  c: tf.Tensor1D,
  base?: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [bSize, l, d] = a.shape;
    const p = g.shape[2];
    const scaledA = tf.reshape(tf.mul(a, tf.reshape(c, [bSize, 1, 1])), [bSize * l, d]);
    const sum = tf.matMul(tf.transpose(scaledA), tf.reshape(g, [bSize * l, p])) as tf.Tensor2D;
    return base ? tf.add(base, sum) : sum;
  });
}

/** base + sum_i c_i sum_t g_{i,t}. */
export function clippedBiasSumTwin(g: tf.Tensor3D, c: tf.Tensor1D, base?: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const perExample = tf.sum(g, 1) as tf.Tensor2D;
    const sum = tf.sum(tf.mul(perExample, tf.reshape(c, [-1, 1])), 0) as tf.Tensor1D;
    return base ? tf.add(base, sum) : sum;
  });
}
