/**
 * The DP-SGD update of one logical step, from the accumulated clipped sums S of the sampled
 * documents: g = (S + N(0, sigma^2 C^2)) / (q N), then AdamW. Noise element i of parameter j is
 * element offset_j + i of one fresh seed's normal stream (src/random/noise.ts SPEC), offset_j =
 * the sizes of the parameters before j in the optimizer's order; a parameter without a sum gets
 * noise alone. Two paths, tested against each other:
 * - fused (webgpu): noise and the AdamW step in one kernel pass per parameter
 *   (src/kernels/noisy-adamw.ts, in place when the buffers allow; elsewhere the kernel's twin);
 * - CPU noise (noisyAverage) then AdamW.applyGradients, on every backend.
 * The optimizer itself knows nothing of DP: the fused path drives it through externalUpdate().
 */
import * as tf from '@tensorflow/tfjs';
import { applyNoisyAdamW } from '../kernels/noisy-adamw';
import { webgpuActive } from '../kernels/webgpu-backend';
import type { Params } from '../model/params';
import { type NoiseSeed, type NoiseSource, philoxFillNormal } from '../random/noise';
import type { AdamW } from './optimizer';

/** The DP noise of one update (applyNoisySums). */
export interface NoisySumsConfig {
  /** A fresh 128-bit seed for this update only. A secret: never log or store it. */
  seed: NoiseSeed;
  /** Standard deviation sigma * C of the Gaussian noise added to each clipped sum. */
  noiseStd: number;
  /** The sums plus noise are divided by this (the expected batch size q N). */
  expectedBatchSize: number;
}

export interface NoisyUpdateReport {
  /** The learning rate used. */
  learningRate: number;
  /** Parameters whose (theta, m, v) were overwritten in place by the fused kernel. */
  updatedInPlace: number;
}

/**
 * One DP-SGD update with noise and AdamW fused per parameter (the kernel on webgpu, its twin
 * elsewhere): the same AdamW step as optimizer.applyGradients on g = (S + noise) / (q N).
 */
export function applyNoisySums(
  optimizer: AdamW,
  sums: Map<string, tf.Tensor>,
  noise: NoisySumsConfig,
): NoisyUpdateReport {
  const update = optimizer.externalUpdate();
  const params = new Map(update.parameters.map((p) => [p.name, p.param]));
  const extra = [...sums.keys()].filter((n) => !params.has(n));
  if (extra.length) throw new Error(`AdamW: sums for unknown parameters [${extra.join(', ')}]`);
  // Everything is checked before the first parameter changes (no half-applied update).
  for (const [name, s] of sums) {
    const p = params.get(name)!;
    if (!tf.util.arraysEqual(s.shape, p.shape))
      throw new Error(`AdamW sum ${name}: shape [${s.shape}] differs from parameter [${p.shape}]`);
    if (s.dtype !== 'float32') throw new Error(`AdamW sum ${name} is ${s.dtype}, expected float32`);
  }
  const { beta1, beta2, epsilon, step, learningRate: lr } = update;
  let offset = 0;
  let updatedInPlace = 0;
  for (const { name, param: theta, m, v, weightDecay } of update.parameters) {
    const given = sums.get(name);
    const sum = given ?? tf.zerosLike(theta);
    const cfg = {
      seed: noise.seed,
      offset,
      noiseStd: noise.noiseStd,
      expectedBatchSize: noise.expectedBatchSize,
      lr,
      beta1,
      beta2,
      epsilon,
      weightDecay,
      step,
    };
    try {
      if (applyNoisyAdamW({ theta, m, v }, sum, cfg)) updatedInPlace++;
    } finally {
      if (!given) sum.dispose();
    }
    offset += theta.size;
  }
  update.commit();
  return { learningRate: lr, updatedInPlace };
}

/** Adds N(0, std^2) noise to each clipped sum and divides by the expected batch size. Noise of
 * parameter j is elements [offset_j, offset_j + size_j) of one fresh seed's stream, parameters in
 * `names` order. */
export function noisyAverage(
  sums: Map<string, tf.Tensor>,
  names: string[],
  params: Params,
  std: number,
  denominator: number,
  source: NoiseSource,
): Map<string, tf.Tensor> {
  const seed = source.nextSeed(); // fresh per step, never stored
  let offset = 0;
  const out = new Map<string, tf.Tensor>();
  for (const name of names) {
    const shape = params.get(name)!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    const noise = new Float32Array(size);
    source.fillNormal(noise, std, seed, offset);
    offset += size;
    out.set(
      name,
      tf.tidy(() => {
        const n = tf.tensor(noise, shape);
        const s = sums.get(name);
        return tf.div(s ? tf.add(s, n) : n, denominator);
      }),
    );
  }
  return out;
}

export type NoisyUpdateMode = 'fused-webgpu' | 'cpu-noise';

/**
 * Noise, average and AdamW for one logical step from the accumulated clipped sums, with one fresh
 * seed (never stored). On webgpu the fused kernel does it (applyNoisySums); elsewhere, or
 * for a source whose stream is not the Philox SPEC the kernel reproduces, CPU noise (noisyAverage)
 * then AdamW.applyGradients. Both: noise element i of parameter j = element offset_j + i of the
 * seed's stream, parameters in `names` order (the optimizer's order). Returns the rate used.
 */
export function applyNoisyStep(
  optimizer: AdamW,
  sums: Map<string, tf.Tensor>,
  names: string[],
  params: Params,
  noise: { std: number; expectedBatchSize: number; source: NoiseSource },
  mode: NoisyUpdateMode = noisyUpdateMode(noise.source),
): number {
  if (mode === 'fused-webgpu') {
    const seed = noise.source.nextSeed();
    const { std: noiseStd, expectedBatchSize } = noise;
    return applyNoisySums(optimizer, sums, { seed, noiseStd, expectedBatchSize }).learningRate;
  }
  const grads = noisyAverage(sums, names, params, noise.std, noise.expectedBatchSize, noise.source);
  const learningRate = optimizer.applyGradients(grads);
  tf.dispose([...grads.values()]);
  return learningRate;
}

/** The fused kernel on webgpu when the source draws the SPEC's Philox stream; CPU noise otherwise. */
export function noisyUpdateMode(source: NoiseSource): NoisyUpdateMode {
  return webgpuActive() && source.fillNormal === philoxFillNormal ? 'fused-webgpu' : 'cpu-noise';
}
