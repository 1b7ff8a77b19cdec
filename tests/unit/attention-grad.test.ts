import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { causalAttention } from '../../src/model/ops';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

/**
 * The same attention written plainly (batched matmuls with transpose flags, an additive causal
 * mask built here), differentiated by TF.js' own autodiff: the independent truth for the custom
 * closed-form gradient of causalAttention.
 */
function plainAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, past: number): tf.Tensor4D {
  const [, , t, dh] = q.shape;
  const kLen = k.shape[2];
  const mask = new Float32Array(t * kLen);
  for (let i = 0; i < t; i++) for (let j = past + i + 1; j < kLen; j++) mask[i * kLen + j] = -1e9;
  const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)), tf.tensor2d(mask, [t, kLen]));
  return tf.matMul(tf.softmax(scores), v) as tf.Tensor4D;
}

describe('causalAttention gradient vs autodiff of the plain formula', () => {
  // [batch, heads, T, dh, past]: head widths below and above T, with and without cached positions
  // (a KV cache prefix).
  const cases: [number, number, number, number, number][] = [
    [2, 3, 16, 4, 0],
    [2, 2, 4, 8, 0],
    [1, 2, 12, 3, 5],
    [1, 2, 3, 6, 4],
  ];
  for (const [b, h, t, dh, past] of cases) {
    it(`B ${b}, H ${h}, T ${t}, dh ${dh}, past ${past}`, () => {
      const q = tf.randomNormal([b, h, t, dh], 0, 1, 'float32', 1) as tf.Tensor4D;
      const k = tf.randomNormal([b, h, past + t, dh], 0, 1, 'float32', 2) as tf.Tensor4D;
      const v = tf.randomNormal([b, h, past + t, dh], 0, 1, 'float32', 3) as tf.Tensor4D;
      const w = tf.randomNormal([b, h, t, dh], 0, 1, 'float32', 4);
      const loss = (f: typeof plainAttention) => (qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor) =>
        tf.sum(tf.mul(f(qi as tf.Tensor4D, ki as tf.Tensor4D, vi as tf.Tensor4D, past), w)) as tf.Scalar;
      const ours = tf.grads(loss((a, c, d, p) => causalAttention(a, c, d, p)))([q, k, v]);
      const ref = tf.grads(loss(plainAttention))([q, k, v]);
      ['dQ', 'dK', 'dV'].forEach((name, i) => {
        const a = ours[i].dataSync();
        const r = ref[i].dataSync();
        let worst = 0;
        let scale = 0;
        for (let j = 0; j < r.length; j++) {
          worst = Math.max(worst, Math.abs(a[j] - r[j]));
          scale = Math.max(scale, Math.abs(r[j]));
        }
        expect(scale, `${name} is not trivially zero`).toBeGreaterThan(0.1);
        expect(worst, name).toBeLessThan(1e-4 * Math.max(1, scale));
      });
      tf.dispose([q, k, v, w, ...ours, ...ref]);
    });
  }
});
