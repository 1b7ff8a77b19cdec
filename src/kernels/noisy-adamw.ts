/**
 * The DP update of one parameter: Gaussian noise on the clipped gradient sum, then AdamW, fused
 * into one pass on webgpu (programs/noisy-adamw-wgsl.ts). The twin draws the same noise stream on
 * the CPU with src/random/noise.ts (its SPEC is the contract) and applies src/train/optimizer.ts'
 * AdamW arithmetic with TF.js ops. Seeds are secrets: never log them.
 */
import * as tf from '@tensorflow/tfjs';
import { type NoiseSeed, philoxFillNormal } from '../random/noise';
import { dispatchNoisyAdamW, type NoisyAdamWScalars } from './programs/noisy-adamw-wgsl';
import {
  activeWebGPUBackend,
  canWriteInPlace,
  invalidateCpuCopy,
  type WebGPUBackend,
  webgpuActive,
} from './webgpu-backend';

export const NOISY_ADAMW_KERNEL = 'DPNoisyAdamW';

export interface NoisyAdamWConfig {
  /** Fresh 128-bit seed of this parameter's (or this step's) noise stream. */
  seed: NoiseSeed;
  /** Index of the first noise element in the seed's stream (several parameters may share a seed). */
  offset?: number;
  /** Noise standard deviation sigma * C, added to the clipped sum before averaging. */
  noiseStd: number;
  /** Expected batch size (Poisson sampling rate * dataset size): g = (S + noise) / this. */
  expectedBatchSize: number;
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay (0 for biases and LayerNorm parameters). */
  weightDecay: number;
  /** 1-based AdamW step t. */
  step: number;
}

export interface AdamWTensors<T extends tf.Tensor = tf.Tensor> {
  theta: T;
  m: T;
  v: T;
}

const U32 = 2 ** 32;

function isU32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x < U32;
}

/** Checks the configuration and derives the float64 scalars the kernel and the twin both use. */
export function noisyAdamWScalars(cfg: NoisyAdamWConfig, count: number): NoisyAdamWScalars {
  const words = [...(cfg.seed?.key ?? []), ...(cfg.seed?.stream ?? [])];
  if (words.length !== 4 || !words.every(isU32))
    throw new Error('noisyAdamW: seed must be key [u32, u32] and stream [u32, u32]');
  const offset = cfg.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + count > Number.MAX_SAFE_INTEGER) {
    throw new Error(`noisyAdamW: offset must be an integer in [0, 2^53 - count], got ${offset}`);
  }
  const positive = { expectedBatchSize: cfg.expectedBatchSize, epsilon: cfg.epsilon };
  for (const [name, x] of Object.entries(positive)) {
    if (!(Number.isFinite(x) && x > 0))
      throw new Error(`noisyAdamW: ${name} must be finite and > 0, got ${x}`);
  }
  const nonNegative = { noiseStd: cfg.noiseStd, lr: cfg.lr, weightDecay: cfg.weightDecay };
  for (const [name, x] of Object.entries(nonNegative)) {
    if (!(Number.isFinite(x) && x >= 0))
      throw new Error(`noisyAdamW: ${name} must be finite and >= 0, got ${x}`);
  }
  for (const [name, b] of [['beta1', cfg.beta1] as const, ['beta2', cfg.beta2] as const]) {
    if (!(b >= 0 && b < 1)) throw new Error(`noisyAdamW: ${name} must be in [0, 1), got ${b}`);
  }
  if (!Number.isInteger(cfg.step) || cfg.step < 1)
    throw new Error(`noisyAdamW: step must be an integer >= 1, got ${cfg.step}`);
  return {
    key: [cfg.seed.key[0], cfg.seed.key[1]],
    stream: [cfg.seed.stream[0], cfg.seed.stream[1]],
    offset,
    noiseStd: cfg.noiseStd,
    expectedBatch: cfg.expectedBatchSize,
    beta1: cfg.beta1,
    oneMinusBeta1: 1 - cfg.beta1,
    beta2: cfg.beta2,
    oneMinusBeta2: 1 - cfg.beta2,
    stepSize: cfg.lr / (1 - cfg.beta1 ** cfg.step),
    invSqrtBias2: 1 / Math.sqrt(1 - cfg.beta2 ** cfg.step),
    epsilon: cfg.epsilon,
    decay: cfg.lr * cfg.weightDecay,
  };
}

function checkTensors(state: AdamWTensors, sum: tf.Tensor): void {
  const entries: [string, tf.Tensor][] = [
    ['theta', state.theta],
    ['S', sum],
    ['m', state.m],
    ['v', state.v],
  ];
  for (const [name, t] of entries) {
    if (t.dtype !== 'float32') throw new Error(`noisyAdamW: ${name} must be float32, got ${t.dtype}`);
    if (!tf.util.arraysEqual(t.shape, state.theta.shape)) {
      throw new Error(`noisyAdamW: ${name} has shape [${t.shape}], theta has [${state.theta.shape}]`);
    }
  }
  if (state.theta.size < 1) throw new Error('noisyAdamW: empty parameter');
}

/** Twin: CPU noise from src/random/noise.ts, AdamW with TF.js ops (works on every backend). */
export function noisyAdamWTwin(state: AdamWTensors, sum: tf.Tensor, cfg: NoisyAdamWConfig): AdamWTensors {
  checkTensors(state, sum);
  const s = noisyAdamWScalars(cfg, sum.size);
  const noise = new Float32Array(sum.size);
  philoxFillNormal(noise, s.noiseStd, cfg.seed, s.offset);
  return tf.tidy(() => {
    const g = tf.div(tf.add(sum, tf.tensor(noise, sum.shape)), s.expectedBatch);
    const m1 = tf.add(tf.mul(state.m, s.beta1), tf.mul(g, s.oneMinusBeta1));
    const v1 = tf.add(tf.mul(state.v, s.beta2), tf.mul(tf.square(g), s.oneMinusBeta2));
    const denom = tf.add(tf.mul(tf.sqrt(v1), s.invSqrtBias2), s.epsilon);
    const theta1 = tf.sub(
      tf.sub(state.theta, tf.mul(tf.div(m1, denom), s.stepSize)),
      tf.mul(state.theta, s.decay),
    );
    return { theta: theta1, m: m1, v: v1 };
  });
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function noisyAdamWKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const wb = backend as WebGPUBackend;
  const theta = inputs.Theta as tf.TensorInfo;
  const count = theta.shape.reduce((x, y) => x * y, 1);
  const out = ['theta', 'm', 'v'].map(() => wb.makeTensorInfo(theta.shape, 'float32'));
  const scalars = (attrs as unknown as { scalars: NoisyAdamWScalars }).scalars;
  dispatchNoisyAdamW(
    wb,
    {
      theta,
      sum: inputs.S as tf.TensorInfo,
      m: inputs.M as tf.TensorInfo,
      v: inputs.V as tf.TensorInfo,
      out: { theta: out[0], m: out[1], v: out[2] },
    },
    count,
    scalars,
  );
  return out;
}

function registerNoisyAdamWKernel(): void {
  if (!tf.getKernel(NOISY_ADAMW_KERNEL, 'webgpu')) {
    tf.registerKernel({
      kernelName: NOISY_ADAMW_KERNEL,
      backendName: 'webgpu',
      kernelFunc: noisyAdamWKernel as tf.KernelFunc,
    });
  }
}

/** New (theta, m, v) after one noisy AdamW step; inputs are left untouched. */
export function noisyAdamW(state: AdamWTensors, sum: tf.Tensor, cfg: NoisyAdamWConfig): AdamWTensors {
  if (!webgpuActive()) return noisyAdamWTwin(state, sum, cfg);
  checkTensors(state, sum);
  const scalars = noisyAdamWScalars(cfg, sum.size);
  registerNoisyAdamWKernel();
  const inputs = { Theta: state.theta, S: sum, M: state.m, V: state.v };
  const attrs = { scalars } as unknown as tf.NamedAttrMap;
  const [theta, m, v] = tf.engine().runKernel(NOISY_ADAMW_KERNEL, inputs, attrs) as tf.Tensor[];
  return { theta, m, v };
}

/**
 * Applies one noisy AdamW step to variables. On webgpu, when theta, m and v each own their
 * buffer (no clone shares it), the three are overwritten in place in one pass; otherwise the new
 * values are computed and assigned. Returns whether the update was in place.
 */
export function applyNoisyAdamW(
  vars: AdamWTensors<tf.Variable>,
  sum: tf.Tensor,
  cfg: NoisyAdamWConfig,
): boolean {
  checkTensors(vars, sum);
  const scalars = noisyAdamWScalars(cfg, sum.size);
  if (webgpuActive()) {
    const backend = activeWebGPUBackend();
    const ids = new Set([vars.theta.dataId, vars.m.dataId, vars.v.dataId, sum.dataId]);
    const own = [vars.theta, vars.m, vars.v].every((t) => canWriteInPlace(backend, t));
    if (own && ids.size === 4) {
      dispatchNoisyAdamW(backend, { theta: vars.theta, sum, m: vars.m, v: vars.v }, sum.size, scalars);
      for (const t of [vars.theta, vars.m, vars.v]) invalidateCpuCopy(backend, t);
      return true;
    }
  }
  const next = noisyAdamW(vars, sum, cfg);
  for (const key of ['theta', 'm', 'v'] as const) {
    vars[key].assign(next[key]);
    next[key].dispose();
  }
  return false;
}
