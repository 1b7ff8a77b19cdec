/**
 * Clipped gradient sums of one linear layer over a micro-batch: out (d, p) += sum_i c_i A_i^T G_i
 * and out (p) += sum_i c_i sum_t g_{i,t}. The functional forms return a new tensor; the
 * `accumulate*` forms update a tf.Variable across micro-batches, in place on webgpu when nothing
 * else shares its buffer (otherwise, and on other backends, by `assign`).
 */
import * as tf from '@tensorflow/tfjs';
import { clippedBiasSumTwin, clippedWeightSumTwin } from './twins';
import { checkAccumulator, checkClipFactors, checkLinearPair, expectRank } from './validate';
import { activeWebGPUBackend, canWriteInPlace, invalidateCpuCopy, webgpuActive } from './webgpu-backend';
import {
  KERNEL_NAMES,
  registerNormAndSumKernels,
  runClippedBiasSum,
  runClippedWeightSum,
} from './webgpu-kernels';

function checkWeightArgs(op: string, a: tf.Tensor3D, g: tf.Tensor3D, c: tf.Tensor1D, acc?: tf.Tensor): void {
  checkLinearPair(op, a, g);
  checkClipFactors(op, c, a.shape[0]);
  if (acc) checkAccumulator(op, acc, [a.shape[2], g.shape[2]]);
}

function checkBiasArgs(op: string, g: tf.Tensor3D, c: tf.Tensor1D, acc?: tf.Tensor): void {
  expectRank(op, 'G', g, 3);
  checkClipFactors(op, c, g.shape[0]);
  if (acc) checkAccumulator(op, acc, [g.shape[2]]);
}

/** base + sum_i c_i A_i^T G_i (base defaults to zeros), as a new (d, p) tensor. */
export function clippedWeightSum(
  a: tf.Tensor3D,
  g: tf.Tensor3D,
  c: tf.Tensor1D,
  base?: tf.Tensor2D,
): tf.Tensor2D {
  checkWeightArgs('clippedWeightSum', a, g, c, base);
  if (!webgpuActive()) return clippedWeightSumTwin(a, g, c, base);
  registerNormAndSumKernels();
  return tf.tidy(() => {
    const acc = base ?? tf.zeros([a.shape[2], g.shape[2]]);
    return tf
      .engine()
      .runKernel(KERNEL_NAMES.clippedWeightSum, { A: a, G: g, C: c, Acc: acc }, {}) as tf.Tensor2D;
  });
}

/** base + sum_i c_i sum_t g_{i,t} (base defaults to zeros), as a new (p) tensor. */
export function clippedBiasSum(g: tf.Tensor3D, c: tf.Tensor1D, base?: tf.Tensor1D): tf.Tensor1D {
  checkBiasArgs('clippedBiasSum', g, c, base);
  if (!webgpuActive()) return clippedBiasSumTwin(g, c, base);
  registerNormAndSumKernels();
  return tf.tidy(() => {
    const acc = base ?? tf.zeros([g.shape[2]]);
    return tf.engine().runKernel(KERNEL_NAMES.clippedBiasSum, { G: g, C: c, Acc: acc }, {}) as tf.Tensor1D;
  });
}

/** Replaces a variable's value by `next` (consumed), keeping the variable's identity. */
function assignConsuming(acc: tf.Variable, next: tf.Tensor): void {
  acc.assign(next);
  next.dispose();
}

/**
 * acc (d, p) += sum_i c_i A_i^T G_i. Returns true when the update was done in place (webgpu and
 * no other tensor shares acc's buffer), false when it went through `assign`.
 */
export function accumulateClippedWeight(
  acc: tf.Variable,
  a: tf.Tensor3D,
  g: tf.Tensor3D,
  c: tf.Tensor1D,
): boolean {
  checkWeightArgs('accumulateClippedWeight', a, g, c, acc);
  if (webgpuActive()) {
    const backend = activeWebGPUBackend();
    if (canWriteInPlace(backend, acc)) {
      runClippedWeightSum(backend, a, g, c, acc, true);
      invalidateCpuCopy(backend, acc);
      return true;
    }
  }
  assignConsuming(acc, clippedWeightSum(a, g, c, acc as tf.Tensor as tf.Tensor2D));
  return false;
}

/** acc (p) += sum_i c_i sum_t g_{i,t}; in place as accumulateClippedWeight. */
export function accumulateClippedBias(acc: tf.Variable, g: tf.Tensor3D, c: tf.Tensor1D): boolean {
  checkBiasArgs('accumulateClippedBias', g, c, acc);
  if (webgpuActive()) {
    const backend = activeWebGPUBackend();
    if (canWriteInPlace(backend, acc)) {
      runClippedBiasSum(backend, g, c, acc, true);
      invalidateCpuCopy(backend, acc);
      return true;
    }
  }
  assignConsuming(acc, clippedBiasSum(g, c, acc as tf.Tensor as tf.Tensor1D));
  return false;
}
