/**
 * TF.js kernels (backend 'webgpu') wrapping the WGSL programs of the DP hot path. The public
 * functions in norms.ts / accumulate.ts call these through `tf.engine().runKernel` when the active
 * backend is webgpu and the TF.js twins otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { BiasProgram } from './programs/bias';
import { type PairNormMode, PairNormProgram } from './programs/pair-norm';
import { RowSumProgram } from './programs/row-sum';
import { TnTileProgram } from './programs/tn-tile';
import {
  assertDispatchFits,
  disposeIntermediate,
  type ProgramUniform,
  type WebGPUBackend,
  type WebGPUProgram,
} from './webgpu-backend';

export const KERNEL_NAMES = {
  ghostNorm: 'DPGhostNormSq',
  directNorm: 'DPDirectNormSq',
  biasNorm: 'DPBiasNormSq',
  embeddingNorm: 'DPEmbeddingNormSq',
  tiedCross: 'DPTiedCrossSum',
  clippedWeightSum: 'DPClippedWeightSum',
  clippedBiasSum: 'DPClippedBiasSum',
} as const;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function run(
  backend: WebGPUBackend,
  program: WebGPUProgram,
  inputs: tf.TensorInfo[],
  uniforms?: ProgramUniform[],
  output?: tf.TensorInfo,
): tf.TensorInfo {
  assertDispatchFits(backend, program.shaderKey, program.dispatch);
  return backend.runWebGPUProgram(program, inputs, 'float32', uniforms, output);
}

/** Partial sums (B, tiles) -> (B); a (B) result (a single tile) is already final. */
function finishRows(backend: WebGPUBackend, partial: tf.TensorInfo): tf.TensorInfo {
  if (partial.shape.length === 1) return partial;
  const out = run(backend, new RowSumProgram(partial.shape[0]), [partial]);
  disposeIntermediate(backend, partial);
  return out;
}

function pairNormKernel(mode: PairNormMode, names: string[]) {
  return ({ inputs, backend }: KernelArgs): tf.TensorInfo => {
    const wb = backend as WebGPUBackend;
    const infos = names.map((n) => inputs[n] as tf.TensorInfo);
    const perToken = infos.find((t) => t.shape.length === 3) as tf.TensorInfo;
    const program = new PairNormProgram(mode, perToken.shape[0], perToken.shape[1]);
    return finishRows(wb, run(wb, program, infos, program.uniformData));
  };
}

function directNormKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const wb = backend as WebGPUBackend;
  const a = inputs.A as tf.TensorInfo;
  const g = inputs.G as tf.TensorInfo;
  const program = new TnTileProgram('directNorm', a.shape[0], a.shape[2], g.shape[2]);
  return finishRows(wb, run(wb, program, [a, g]));
}

function biasNormKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const wb = backend as WebGPUBackend;
  const g = inputs.G as tf.TensorInfo;
  return finishRows(wb, run(wb, new BiasProgram('biasNorm', g.shape[0], g.shape[2]), [g]));
}

/** Acc + sum_i c_i A_i^T G_i; `inPlaceTarget` (internal) writes into that buffer instead. */
export function runClippedWeightSum(
  wb: WebGPUBackend,
  a: tf.TensorInfo,
  g: tf.TensorInfo,
  c: tf.TensorInfo,
  acc: tf.TensorInfo,
  inPlace: boolean,
): tf.TensorInfo {
  const [examples, , d] = a.shape;
  const p = g.shape[2];
  if (inPlace) return run(wb, new TnTileProgram('accumulateInPlace', examples, d, p), [a, g, c], [], acc);
  return run(wb, new TnTileProgram('accumulate', examples, d, p), [a, g, c, acc]);
}

export function runClippedBiasSum(
  wb: WebGPUBackend,
  g: tf.TensorInfo,
  c: tf.TensorInfo,
  acc: tf.TensorInfo,
  inPlace: boolean,
): tf.TensorInfo {
  const [examples, , p] = g.shape;
  if (inPlace) return run(wb, new BiasProgram('biasAccumulateInPlace', examples, p), [g, c], [], acc);
  return run(wb, new BiasProgram('biasAccumulate', examples, p), [g, c, acc]);
}

const kernelConfigs: tf.KernelConfig[] = [
  { kernelName: KERNEL_NAMES.ghostNorm, kernelFunc: pairNormKernel('ghost', ['A', 'G']) },
  { kernelName: KERNEL_NAMES.embeddingNorm, kernelFunc: pairNormKernel('embedding', ['Ids', 'Bg']) },
  { kernelName: KERNEL_NAMES.tiedCross, kernelFunc: pairNormKernel('cross', ['Gl', 'A', 'Bg', 'Ids']) },
  { kernelName: KERNEL_NAMES.directNorm, kernelFunc: directNormKernel },
  { kernelName: KERNEL_NAMES.biasNorm, kernelFunc: biasNormKernel },
  {
    kernelName: KERNEL_NAMES.clippedWeightSum,
    kernelFunc: ({ inputs, backend }: KernelArgs) =>
      runClippedWeightSum(
        backend as WebGPUBackend,
        inputs.A as tf.TensorInfo,
        inputs.G as tf.TensorInfo,
        inputs.C as tf.TensorInfo,
        inputs.Acc as tf.TensorInfo,
        false,
      ),
  },
  {
    kernelName: KERNEL_NAMES.clippedBiasSum,
    kernelFunc: ({ inputs, backend }: KernelArgs) =>
      runClippedBiasSum(
        backend as WebGPUBackend,
        inputs.G as tf.TensorInfo,
        inputs.C as tf.TensorInfo,
        inputs.Acc as tf.TensorInfo,
        false,
      ),
  },
].map((k) => ({ ...k, backendName: 'webgpu' }) as tf.KernelConfig);

/** Registers the kernels above for 'webgpu' once (idempotent). */
export function registerNormAndSumKernels(): void {
  for (const config of kernelConfigs) {
    if (!tf.getKernel(config.kernelName, 'webgpu')) tf.registerKernel(config);
  }
}
