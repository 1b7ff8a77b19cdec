/**
 * Per-example batched products as loops of plain 2-D matmuls. On the wasm backend a batched or
 * transposed matmul falls to a naive loop (~2 GFLOP/s), while a plain 2-D matmul goes to XNNPACK
 * (~25 GFLOP/s), so E small 2-D products beat one batched product by ~5x here (measured in
 * scratch benchmarks; see docs/ARCHITECTURE.md). Rows of example i are rows [i L, (i+1) L) of
 * the 2-D inputs. Slicing relies on the contiguous-slice fix of src/model/wasm-fixes.ts.
 */
import * as tf from '@tensorflow/tfjs';

function rowsOf(x: tf.Tensor2D, i: number, l: number): tf.Tensor2D {
  return tf.slice(x, [i * l, 0], [l, x.shape[1]]);
}

/** (E, d * p): example i's gradient A_i^T G_i, flattened, for A (E L, d), G (E L, p). */
export function perExampleWeightGrads(a: tf.Tensor2D, g: tf.Tensor2D, examples: number): tf.Tensor2D {
  return tf.tidy(() => {
    const l = a.shape[0] / examples;
    const d = a.shape[1];
    // One transpose of the whole batch, (E, d, L) viewed as (E d, L): example i is rows [i d, (i+1) d).
    const aT = tf.reshape(tf.transpose(tf.reshape(a, [examples, l, d]), [0, 2, 1]), [
      examples * d,
      l,
    ]) as tf.Tensor2D;
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < examples; i++)
      rows.push(tf.reshape(tf.matMul(rowsOf(aT, i, d), rowsOf(g, i, l)), [1, -1]));
    return tf.concat(rows, 0) as tf.Tensor2D;
  });
}

/**
 * Per-example sum over (t, s) of (X_i X_i^T) .* W_i, where W_i (L, L) is given by `weights(i, gram)`;
 * the L x L Gram matrices exist one example at a time.
 */
export function perExampleGramReduce(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  examples: number,
  weigh: (i: number, gram: tf.Tensor2D) => tf.Tensor,
): tf.Tensor1D {
  return tf.tidy(() => {
    const l = x.shape[0] / examples;
    const yT: tf.Tensor2D = tf.reshape(tf.transpose(tf.reshape(y, [examples, l, y.shape[1]]), [0, 2, 1]), [
      examples * y.shape[1],
      l,
    ]);
    const out: tf.Scalar[] = [];
    for (let i = 0; i < examples; i++) {
      const gram = tf.matMul(rowsOf(x, i, l), rowsOf(yT, i, y.shape[1])) as tf.Tensor2D;
      out.push(tf.sum(weigh(i, gram as tf.Tensor2D)));
    }
    return tf.stack(out) as tf.Tensor1D;
  });
}

/** Ghost norm: sum_{t,s} (a_t . a_s)(g_t . g_s) per example, via per-example 2-D Gram matrices. */
export function ghostSqNormsLooped(a: tf.Tensor2D, g: tf.Tensor2D, examples: number): tf.Tensor1D {
  return tf.tidy(() => {
    const l = a.shape[0] / examples;
    const gT = tf.reshape(tf.transpose(tf.reshape(g, [examples, l, g.shape[1]]), [0, 2, 1]), [
      examples * g.shape[1],
      l,
    ]) as tf.Tensor2D;
    return perExampleGramReduce(a, a, examples, (i, aa) =>
      tf.mul(aa, tf.matMul(rowsOf(g, i, l), rowsOf(gT as tf.Tensor2D, i, g.shape[1]))),
    );
  });
}
