/**
 * Per-example squared gradient norms of the DP hot path (docs/METHOD.md, "Efficient per-example
 * clipping"). Each function runs a fused WGSL kernel when the active TF.js backend is webgpu and
 * its plain TF.js twin (twins.ts) otherwise. Layout: A (B, L, d) layer input, G (B, L, p) gradient
 * of the layer output; padded positions must have G = 0 (they then contribute nothing).
 */
import * as tf from '@tensorflow/tfjs';
import {
  biasNormSqTwin,
  directNormSqTwin,
  embeddingNormSqTwin,
  ghostNormSqTwin,
  tiedCrossSumTwin,
} from './twins';
import { checkLinearPair, expectRank, expectSameTokens } from './validate';
import { webgpuActive } from './webgpu-backend';
import { KERNEL_NAMES, registerNormAndSumKernels } from './webgpu-kernels';

export type LinearNormMethod = 'ghost' | 'direct';

/** Multiply-adds per example: ghost L^2 (d + p), direct L d p (docs/METHOD.md's cost model). */
export function linearNormCosts(l: number, d: number, p: number): Record<LinearNormMethod, number> {
  return { ghost: l * l * (d + p), direct: l * d * p };
}

/** Ghost when L^2 (d + p) < L d p, i.e. L < d p / (d + p); direct otherwise (ties go to direct). */
export function chooseLinearNormMethod(l: number, d: number, p: number): LinearNormMethod {
  const cost = linearNormCosts(l, d, p);
  return cost.ghost < cost.direct ? 'ghost' : 'direct';
}

function runWebGPU(name: string, inputs: tf.NamedTensorMap): tf.Tensor1D {
  registerNormAndSumKernels();
  return tf.engine().runKernel(name, inputs, {}) as tf.Tensor1D;
}

/** n_i = sum_{t,s} (a_t . a_s)(g_t . g_s): ||A_i^T G_i||_F^2 without forming any L x L matrix. */
export function ghostNormSq(a: tf.Tensor3D, g: tf.Tensor3D): tf.Tensor1D {
  checkLinearPair('ghostNormSq', a, g);
  if (!webgpuActive()) return ghostNormSqTwin(a, g);
  return runWebGPU(KERNEL_NAMES.ghostNorm, { A: a, G: g });
}

/** n_i = ||A_i^T G_i||_F^2, accumulating (d x p) tiles of the per-example gradient on chip. */
export function directNormSq(a: tf.Tensor3D, g: tf.Tensor3D): tf.Tensor1D {
  checkLinearPair('directNormSq', a, g);
  if (!webgpuActive()) return directNormSqTwin(a, g);
  return runWebGPU(KERNEL_NAMES.directNorm, { A: a, G: g });
}

/** Per-example squared norm of a linear layer's weight gradient by the cheaper method. */
export function linearNormSq(
  a: tf.Tensor3D,
  g: tf.Tensor3D,
  method: LinearNormMethod = chooseLinearNormMethod(a.shape[1], a.shape[2], g.shape[2]),
): tf.Tensor1D {
  return method === 'ghost' ? ghostNormSq(a, g) : directNormSq(a, g);
}

/** n_i = ||sum_t g_t||^2 (bias of a linear layer; also LayerNorm beta). */
export function biasNormSq(g: tf.Tensor3D): tf.Tensor1D {
  expectRank('biasNormSq', 'G', g, 3);
  if (!webgpuActive()) return biasNormSqTwin(g);
  return runWebGPU(KERNEL_NAMES.biasNorm, { G: g });
}

/**
 * Token embedding: n_i = sum_{t,s} [x_t == x_s] (b_t . b_s), ids (B, L) int32, b (B, L, d) the
 * gradient of the embedding output.
 */
export function embeddingNormSq(ids: tf.Tensor2D, b: tf.Tensor3D): tf.Tensor1D {
  expectRank('embeddingNormSq', 'ids', ids, 2, 'int32');
  expectRank('embeddingNormSq', 'b', b, 3);
  expectSameTokens('embeddingNormSq', ['ids', 'b'], ids, b);
  if (!webgpuActive()) return embeddingNormSqTwin(ids, b);
  return runWebGPU(KERNEL_NAMES.embeddingNorm, { Ids: ids, Bg: b });
}

/**
 * Tied embedding / LM head cross sum: n_i = sum_{t,s} Gl[t, x_s] (a_t . b_s), with gl (B, L, V)
 * the gradient of the logits, a (B, L, d) the LM head input, b (B, L, d) the gradient of the
 * embedding output and ids (B, L) int32 in [0, V). The tied weight's squared norm is
 * head + embedding + 2 * this sum. Out-of-range ids contribute 0 on webgpu (twin: gather's rule).
 */
export function tiedCrossSum(gl: tf.Tensor3D, a: tf.Tensor3D, b: tf.Tensor3D, ids: tf.Tensor2D): tf.Tensor1D {
  const op = 'tiedCrossSum';
  expectRank(op, 'Gl', gl, 3);
  expectRank(op, 'a', a, 3);
  expectRank(op, 'b', b, 3);
  expectRank(op, 'ids', ids, 2, 'int32');
  expectSameTokens(op, ['Gl', 'a'], gl, a);
  expectSameTokens(op, ['a', 'b'], a, b);
  expectSameTokens(op, ['a', 'ids'], a, ids);
  if (a.shape[2] !== b.shape[2]) {
    throw new Error(`${op}: a and b must have the same width, got ${a.shape[2]} and ${b.shape[2]}`);
  }
  if (!webgpuActive()) return tiedCrossSumTwin(gl, a, b, ids);
  return runWebGPU(KERNEL_NAMES.tiedCross, { Gl: gl, A: a, Bg: b, Ids: ids });
}
