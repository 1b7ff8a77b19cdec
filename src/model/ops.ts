/**
 * The GPT-2 building blocks as TF.js ops with hand-written gradients where TF.js' own are slow
 * or missing on the WASM backend (docs/ARCHITECTURE.md, "TF.js traps"):
 * - matmul gradients: TF.js uses transposed matmuls, ~10x slower on wasm than an explicit
 *   transpose followed by a plain matmul, so `linear` transposes explicitly;
 * - gather has no gradient on wasm (no UnsortedSegmentSum kernel), so `embeddingLookup` scatters
 *   with ScatterNd (which sums duplicate indices);
 * - GELU and cross-entropy get closed-form gradients (fewer intermediate tensors).
 * Every gradient here is checked against finite differences in tests/unit/model-grad.test.ts.
 */
import * as tf from '@tensorflow/tfjs';

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/**
 * A custom gradient whose temporaries are freed as soon as it returns. TF.js calls a customGrad's
 * gradFunc outside any tidy (engine.customGrad), so without this every intermediate of every
 * backward op (softmax and one-hot over the vocabulary, GELU terms, attention scores) stays alive
 * until the whole backward pass ends: at GPT-2's vocabulary that was most of the peak memory.
 */
export function tidyGrad(fn: GradFunc): GradFunc {
  return (dy, saved) => tf.tidy(() => fn(dy, saved));
}

/** `x @ W + b` for x (N, in), W (in, out), b (out), differentiable in all three. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (b) return linearWithBias(x, w, b);
  return linearNoBias(x, w);
}

const linearWithBias = tf.customGrad((x, w, b, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b as tf.Tensor),
    gradFunc: tidyGrad((dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)),
        tf.matMul(tf.transpose(xs), dy as tf.Tensor2D),
        tf.sum(dy, 0),
      ];
    }),
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

const linearNoBias = tf.customGrad((x, w, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: tidyGrad((dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    }),
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * `x @ W + b` differentiable in x only: W and b are constants (parameters, alive through the
 * step). Used by the DP book-keeping pass, which needs only activation gradients (it writes the
 * weight gradients itself). The backward transposes W when it needs it and frees it at once, so
 * W^T (and XNNPACK's packed copy of it) does not stay alive for the rest of the pass.
 */
export function linearInputGradOnly(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((xIn) => {
    const y = tf.matMul(xIn as tf.Tensor2D, w);
    return {
      value: b ? tf.add(y, b) : y,
      gradFunc: tidyGrad((dy) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(w))]),
    };
  }) as (xIn: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}

/**
 * LM-head logits h (N, d) @ W^T for W (V, d) in its parameter layout, computed as (W @ h^T)^T: on
 * wasm a matmul packs its right operand (here h^T, N x d, small) and a plain 2-D product is the
 * fast one, so this copies an N x V output once instead of transposing (and packing) the V x d
 * table every step (at GPT-2's vocabulary, W^T is 147 MB).
 */
export function headLogits(h: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(tf.matMul(w, tf.transpose(h))) as tf.Tensor2D;
}

/**
 * `headLogits` differentiable in h and, unless `weightGrad` is false, in W (the DP book-keeping
 * pass writes the head's weight gradient itself). Backward: dh = dY W, a plain product, and
 * dW = dY^T h, which comes out in W's (V, d) layout with only dY (N x V) transposed.
 */
export function lmHeadLogits(h: tf.Tensor2D, w: tf.Tensor2D, weightGrad = true): tf.Tensor2D {
  if (!weightGrad) {
    const op = tf.customGrad((hIn, save) => {
      (save as tf.GradSaveFunc)([w]);
      return {
        value: headLogits(hIn as tf.Tensor2D, w),
        gradFunc: tidyGrad((dy, saved) => [tf.matMul(dy as tf.Tensor2D, saved[0] as tf.Tensor2D)]),
      };
    }) as (hIn: tf.Tensor2D) => tf.Tensor2D;
    return op(h);
  }
  const op = tf.customGrad((hIn, wIn, save) => {
    (save as tf.GradSaveFunc)([hIn as tf.Tensor, wIn as tf.Tensor]);
    return {
      value: headLogits(hIn as tf.Tensor2D, wIn as tf.Tensor2D),
      gradFunc: tidyGrad((dy, saved) => {
        const [hs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy as tf.Tensor2D, ws), tf.matMul(tf.transpose(dy as tf.Tensor2D), hs)];
      }),
    };
  }) as (hIn: tf.Tensor2D, wIn: tf.Tensor2D) => tf.Tensor2D;
  return op(h, w);
}

/**
 * Rows of `table` (V, d) for `ids` (N,) int32. Gradient: a scatter-add of the upstream rows
 * into a (V, d) zero matrix (ScatterNd sums duplicates, so repeated tokens accumulate).
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((t, save) => {
    (save as tf.GradSaveFunc)([ids]);
    return {
      value: tf.gather(t as tf.Tensor2D, ids),
      gradFunc: tidyGrad((dy, saved) => [tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, table.shape)]),
    };
  }) as (t: tf.Tensor2D) => tf.Tensor2D;
  return op(table);
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (as GPT-2): 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3). */
export const gelu = tf.customGrad((x, save) => {
  const xt = x as tf.Tensor;
  // 0.5 (1 + tanh(u)) = sigmoid(2u), so gelu(x) = x sigmoid(2u): wasm's sigmoid (XNNPACK) is ~10x
  // faster than its tanh, and x * x * x replaces tf.pow (~25 ms per million floats); the sigmoid is
  // saved for the backward instead of recomputed. Same function, float32 rounding apart.
  const s = tf.sigmoid(tf.mul(2 * GELU_C, tf.mul(xt, tf.add(1, tf.mul(0.044715, tf.square(xt))))));
  (save as tf.GradSaveFunc)([xt, s]);
  return {
    value: tf.mul(xt, s),
    gradFunc: tidyGrad((dy, saved) => {
      const [xs, ss] = saved;
      // d/dx = s + x s (1 - s) 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2)
      const du = tf.mul(2 * GELU_C, tf.add(1, tf.mul(3 * 0.044715, tf.square(xs))));
      const grad = tf.add(ss, tf.mul(tf.mul(xs, tf.mul(ss, tf.sub(1, ss))), du));
      return [tf.mul(dy, grad)];
    }),
  };
}) as <T extends tf.Tensor>(x: T) => T;

/**
 * Normalises the last axis to zero mean and unit variance (biased variance, as PyTorch).
 * Closed-form gradient, per row with r = 1 / sqrt(var + eps) and x^ the output:
 * dx = r (dx^ - mean(dx^) - x^ mean(dx^ .* x^)), saving x^ and r only: TF.js' autodiff of the seven
 * forward ops kept their (N, d) intermediates for the backward pass (the small config's step: tensor
 * peak 341 -> 294 MB, README).
 */
export function normalize(x: tf.Tensor, eps: number): tf.Tensor {
  const op = tf.customGrad((xIn, save) => {
    const [xhat, rstd] = tf.tidy(() => {
      const centered = tf.sub(xIn as tf.Tensor, tf.mean(xIn as tf.Tensor, -1, true));
      const r = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), eps));
      return [tf.mul(centered, r), r];
    });
    (save as tf.GradSaveFunc)([xhat, rstd]);
    return {
      value: xhat,
      gradFunc: tidyGrad((dy, saved) => {
        const [xh, r] = saved;
        const dot = tf.mean(tf.mul(dy, xh), -1, true);
        return [tf.mul(r, tf.sub(tf.sub(dy, tf.mean(dy, -1, true)), tf.mul(xh, dot)))];
      }),
    };
  }) as (xIn: tf.Tensor) => tf.Tensor;
  return op(x);
}

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  return tf.add(tf.mul(normalize(x, eps), gamma), beta);
}

// Keyed by backend instance: a mask cached on webgpu and used after switching to wasm would need a
// synchronous GPU read-back, which webgpu does not support everywhere (it throws in Node), and a
// restarted wasm module (another thread count) no longer holds the old module's tensors.
const causalMasks = new WeakMap<object, Map<number, tf.Tensor2D>>();

/** Causal masks the current backend's cache holds (one per length; tests count them as non-leaks). */
export function cachedCausalMasks(): number {
  const byLength = causalMasks.get(tf.backend());
  return byLength ? [...byLength.values()].filter((m) => !m.isDisposed).length : 0;
}

/** (T, T) additive mask: 0 on and below the diagonal, -1e9 above (exp underflows to exactly 0). */
export function causalMask(t: number): tf.Tensor2D {
  const backend = tf.backend();
  let byLength = causalMasks.get(backend);
  if (!byLength) {
    byLength = new Map();
    causalMasks.set(backend, byLength);
  }
  let m = byLength.get(t);
  if (!m || m.isDisposed) {
    const data = new Float32Array(t * t);
    for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = -1e9;
    m = tf.keep(tf.tensor2d(data, [t, t]));
    byLength.set(t, m);
  }
  return m;
}

/**
 * Batched matmul (n, m, k) @ (n, k, p). On wasm a batched matmul runs a naive loop (~2 GFLOP/s)
 * while a 2-D matmul goes to XNNPACK, so there it is n 2-D matmuls (5x faster for attention
 * shapes, measured); other backends use the batched kernel (one GPU dispatch).
 */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  return tf.tidy(() => {
    const [n, m, k] = a.shape;
    const p = b.shape[2];
    const a2 = tf.reshape(a, [n * m, k]) as tf.Tensor2D;
    const b2 = tf.reshape(b, [n * k, p]) as tf.Tensor2D;
    const outs: tf.Tensor2D[] = [];
    for (let i = 0; i < n; i++)
      outs.push(tf.matMul(tf.slice(a2, [i * m, 0], [m, k]), tf.slice(b2, [i * k, 0], [k, p])));
    return tf.reshape(tf.concat(outs, 0), [n, m, p]) as tf.Tensor3D;
  });
}

function swapLast(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]);
}

/**
 * Causal self-attention core. q: (B, H, T, dh); k, v: (B, H, P + T, dh) -> (B, H, T, dh).
 * With a KV cache the first P keys/values are cached positions, and the T new queries sit at
 * positions P..P+T-1 and may attend to every cached position. Closed-form gradient:
 * dV = P^T dY, dP = dY V^T, dS = P .* (dP - rowsum(dP .* P)), dQ = dS K / sqrt(dh), dK = dS^T Q / sqrt(dh).
 */
export function causalAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, pastLength = 0): tf.Tensor4D {
  const [b, h, t, dh] = q.shape;
  const kLen = k.shape[2];
  const scale = 1 / Math.sqrt(dh);
  if (t === 1) {
    // One new query (a decode step with the KV cache): elementwise products and reductions instead
    // of B*H tiny matmuls (~3x faster generation on wasm, measured). No mask: it sees every key.
    const scores = tf.mul(tf.sum(tf.mul(q, k), -1), scale); // (B, H, kLen)
    const probs = tf.softmax(scores);
    return tf.sum(tf.mul(tf.expandDims(probs, -1), v), 2, true) as tf.Tensor4D;
  }
  const mask =
    pastLength === 0 && kLen === t ? causalMask(t) : tf.slice(causalMask(kLen), [pastLength, 0], [t, kLen]);
  const op = tf.customGrad((qIn, kIn, vIn, save) => {
    const q3 = tf.reshape(qIn as tf.Tensor, [b * h, t, dh]) as tf.Tensor3D;
    const k3 = tf.reshape(kIn as tf.Tensor, [b * h, kLen, dh]) as tf.Tensor3D;
    const v3 = tf.reshape(vIn as tf.Tensor, [b * h, kLen, dh]) as tf.Tensor3D;
    const probs = tf.softmax(tf.add(tf.mul(batchMatMul(q3, swapLast(k3)), scale), mask)) as tf.Tensor3D;
    (save as tf.GradSaveFunc)([q3, k3, v3, probs]);
    return {
      value: tf.reshape(batchMatMul(probs, v3), [b, h, t, dh]),
      gradFunc: tidyGrad((dy, saved) => {
        const [qs, ks, vs, ps] = saved as tf.Tensor3D[];
        const dy3 = tf.reshape(dy, [b * h, t, dh]) as tf.Tensor3D;
        const dp = batchMatMul(dy3, swapLast(vs));
        const ds = tf.mul(ps, tf.sub(dp, tf.sum(tf.mul(dp, ps), -1, true))) as tf.Tensor3D;
        const dq = tf.mul(batchMatMul(ds, ks), scale);
        // dV = P^T dY and dK = dS^T Q, with P and dS transposed explicitly (plain 2-D matmuls on
        // wasm). Transposing the (., dh)-wide operands instead, (dY^T P)^T and (Q^T dS)^T, moves less
        // data when dh is small, but its (dh, T) x (T, T) products pack a fresh (T, T) operand for
        // only dh rows of output: 8.9 GFLOP/s against 15.6 for (T, T) x (T, dh) in the replay of
        // scripts/profile-dp-step.ts (wasm, dh 32, T 128).
        const dv = batchMatMul(swapLast(ps), dy3);
        const dk = tf.mul(batchMatMul(swapLast(ds), qs), scale);
        return [
          tf.reshape(dq, [b, h, t, dh]),
          tf.reshape(dk, [b, h, kLen, dh]),
          tf.reshape(dv, [b, h, kLen, dh]),
        ];
      }),
    };
  }) as (qIn: tf.Tensor4D, kIn: tf.Tensor4D, vIn: tf.Tensor4D) => tf.Tensor4D;
  return op(q, k, v);
}

/**
 * Per-row cross-entropy `logsumexp(z) - z[target]` for logits (N, V) and int32 targets (N,).
 * Closed-form gradient `softmax(z) - onehot(target)`, scaled by the upstream gradient.
 */
export function crossEntropyRows(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [n, vocab] = logits.shape;
  const op = tf.customGrad((z, save) => {
    const zt = z as tf.Tensor2D;
    const lse = tf.logSumExp(zt, 1);
    const flatIdx = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(vocab, 'int32')), targets);
    const picked = tf.gather(tf.reshape(zt, [-1]), flatIdx);
    (save as tf.GradSaveFunc)([zt, targets]);
    return {
      value: tf.sub(lse, picked),
      gradFunc: tidyGrad((dy, saved) => {
        const [zs, tgt] = saved;
        // tf.oneHot(..., 'float32') is wrong on wasm: cast an int32 one-hot instead.
        const onehot = tf.cast(tf.oneHot(tgt as tf.Tensor1D, vocab), 'float32');
        return [tf.mul(tf.sub(tf.softmax(zs), onehot), tf.reshape(dy, [-1, 1]))];
      }),
    };
  }) as (z: tf.Tensor2D) => tf.Tensor1D;
  return op(logits);
}
