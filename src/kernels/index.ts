/**
 * WebGPU kernels of the DP hot path, each with a plain TF.js twin. Every function runs its WGSL
 * kernel when the active TF.js backend is webgpu and its twin otherwise.
 */
export {
  accumulateClippedBias,
  accumulateClippedWeight,
  clippedBiasSum,
  clippedWeightSum,
} from './accumulate';
export {
  type AdamWTensors,
  applyNoisyAdamW,
  type NoisyAdamWConfig,
  noisyAdamW,
  noisyAdamWTwin,
} from './noisy-adamw';
export {
  biasNormSq,
  chooseLinearNormMethod,
  directNormSq,
  embeddingNormSq,
  ghostNormSq,
  type LinearNormMethod,
  linearNormCosts,
  linearNormSq,
  tiedCrossSum,
} from './norms';
export * from './twins';
