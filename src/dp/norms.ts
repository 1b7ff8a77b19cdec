/**
 * Per-example squared gradient norms of each parameter type, from the layer input A and the
 * layer output gradient G (book-keeping / ghost clipping; METHOD.md's table), without building
 * the per-example gradients of the whole model. Shapes use E examples of L tokens each:
 * an "example" is the privacy unit's rows (K windows of one document concatenated: L = K*T).
 *
 * These are the plain TF.js implementations; src/kernels provides WebGPU versions of the hot ones
 * and tests compare the two.
 */
import * as tf from '@tensorflow/tfjs';

/** Multiply-adds per example of each way to get a linear layer's per-example weight-gradient norm. */
export function linearNormCost(l: number, d: number, p: number): { ghost: number; direct: number } {
  return { ghost: l * l * (d + p), direct: l * d * p };
}

/** Ghost norm is cheaper when L^2 (d + p) < L d p, i.e. L < d p / (d + p). */
export function ghostNormIsCheaper(l: number, d: number, p: number): boolean {
  const c = linearNormCost(l, d, p);
  return c.ghost < c.direct;
}

/** sum_{t,s} (a_t . a_s)(g_t . g_s) per example: ||A_i^T G_i||_F^2 without forming A_i^T G_i. */
export function ghostLinearSqNorms(a: tf.Tensor3D, g: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const aa = tf.matMul(a, a, false, true);
    const gg = tf.matMul(g, g, false, true);
    return tf.sum(tf.mul(aa, gg), [1, 2]) as tf.Tensor1D;
  });
}

/** ||A_i^T G_i||_F^2 per example by forming each (d x p) per-example gradient once. */
export function directLinearSqNorms(a: tf.Tensor3D, g: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    // Explicit transpose + plain batched matmul (transposed matmuls are slow on wasm).
    const perExample = tf.matMul(tf.transpose(a, [0, 2, 1]), g);
    return tf.sum(tf.square(perExample), [1, 2]) as tf.Tensor1D;
  });
}

/** Per-example squared norm of a linear layer's weight gradient, by the cheaper method. */
export function linearWeightSqNorms(a: tf.Tensor3D, g: tf.Tensor3D): tf.Tensor1D {
  const [, l, d] = a.shape;
  const p = g.shape[2];
  return ghostNormIsCheaper(l, d, p) ? ghostLinearSqNorms(a, g) : directLinearSqNorms(a, g);
}

/** Per-example squared norm of a bias gradient: ||sum_t g_t||^2. */
export function biasSqNorms(g: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.square(tf.sum(g, 1)), 1) as tf.Tensor1D);
}

/** LayerNorm gain and bias: ||sum_t xhat_t .* g_t||^2 + ||sum_t g_t||^2 per example. */
export function layerNormSqNorms(xhat: tf.Tensor3D, g: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(
    () => tf.add(tf.sum(tf.square(tf.sum(tf.mul(xhat, g), 1)), 1), biasSqNorms(g)) as tf.Tensor1D,
  );
}

/**
 * Embedding table gradient: rows scatter-added by id, so its squared norm is
 * sum_{t,s} [x_t == x_s] (b_t . b_s) per example. ids (E, L) int32, b (E, L, d).
 */
export function embeddingSqNorms(ids: tf.Tensor2D, b: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const same = tf.cast(tf.equal(tf.expandDims(ids, 2), tf.expandDims(ids, 1)), 'float32');
    const bb = tf.matMul(b, b, false, true);
    return tf.sum(tf.mul(same, bb), [1, 2]) as tf.Tensor1D;
  });
}

/** Position embedding when every position occurs once per example (K = 1): sum_t ||b_t||^2. */
export function distinctRowsSqNorms(b: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.square(b), [1, 2]) as tf.Tensor1D);
}

/**
 * Cross term of a tied embedding / LM head, 2 <head grad, embedding grad>, where
 * head grad = Gl^T a and embedding grad = scatter of b by ids:
 * 2 sum_{t,s} Gl[t, x_s] (a_t . b_s). gl (E, L, V), a, b (E, L, d), ids (E, L).
 */
export function tiedCrossTerm(
  gl: tf.Tensor3D,
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  ids: tf.Tensor2D,
): tf.Tensor1D {
  return tf.tidy(() => {
    // glAtIds[e, t, s] = Gl[e, t, ids[e, s]], by flat indices (gather with batchDims gave wrong
    // results for e > 0 on the wasm backend).
    const [e, l, v] = gl.shape;
    const rowBase = tf.reshape(tf.mul(tf.range(0, e * l, 1, 'int32'), tf.scalar(v, 'int32')), [e, l, 1]);
    const flatIdx = tf.add(rowBase, tf.reshape(ids, [e, 1, l]));
    const glAtIds = tf.reshape(tf.gather(tf.reshape(gl, [-1]), tf.reshape(flatIdx, [-1])), [e, l, l]);
    const ab = tf.matMul(a, b, false, true);
    return tf.mul(2, tf.sum(tf.mul(glAtIds, ab), [1, 2])) as tf.Tensor1D;
  });
}

/** c_i = min(1, C / (||g_i|| + 1e-6)), as Opacus. */
export function clipFactors(sqNorms: tf.Tensor1D, clipNorm: number): tf.Tensor1D {
  return tf.tidy(() => tf.minimum(1, tf.div(clipNorm, tf.add(tf.sqrt(sqNorms), 1e-6))) as tf.Tensor1D);
}
