/**
 * The noisy AdamW kernel's arithmetic against a float64 loop on the same CPU noise stream: the
 * functional form (the kernel on webgpu, the twin elsewhere) and the in-place update of variables,
 * which must never overwrite a buffer another tensor shares.
 */
import * as tf from '@tensorflow/tfjs';
import { type NoiseSeed, philoxFillNormal } from '../../random/noise';
import {
  type AdamWTensors,
  applyNoisyAdamW,
  type NoisyAdamWConfig,
  noisyAdamW,
  noisyAdamWScalars,
} from '../noisy-adamw';
import { mulberry32, SEED_B } from './cases';
import { type CheckResult, check } from './check-result';

export const ADAMW_TOLERANCE = 1e-5;

/** The CPU noise stream (src/random/noise.ts): the reference the kernels' noise must equal. */
export function cpuNoise(seed: NoiseSeed, count: number, offset: number, std = 1): Float32Array {
  const out = new Float32Array(count);
  philoxFillNormal(out, std, seed, offset);
  return out;
}

interface AdamWCase {
  state: { theta: Float32Array; m: Float32Array; v: Float32Array };
  sum: Float32Array;
  cfg: NoisyAdamWConfig;
}

function adamWCase(count: number): AdamWCase {
  const rand = mulberry32(11);
  const uni = (scale: number) => Float32Array.from({ length: count }, () => scale * (2 * rand() - 1));
  const state = { theta: uni(1), m: uni(0.1), v: uni(0.01).map(Math.abs) };
  const cfg: NoisyAdamWConfig = {
    seed: SEED_B,
    offset: 5,
    noiseStd: 0.8,
    expectedBatchSize: 9.5,
    lr: 0.05,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0.1,
    step: 3,
  };
  return { state, sum: uni(3), cfg };
}

/** AdamW step in float64 from the CPU noise (src/random/noise.ts). */
function adamWRef(c: AdamWCase): { theta: Float64Array; m: Float64Array; v: Float64Array } {
  const n = c.sum.length;
  const s = noisyAdamWScalars(c.cfg, n);
  const noise = cpuNoise(c.cfg.seed, n, s.offset, s.noiseStd);
  const out = { theta: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) };
  for (let j = 0; j < n; j++) {
    const g = (c.sum[j] + noise[j]) / s.expectedBatch;
    const m1 = s.beta1 * c.state.m[j] + s.oneMinusBeta1 * g;
    const v1 = s.beta2 * c.state.v[j] + s.oneMinusBeta2 * g * g;
    const p = c.state.theta[j];
    out.theta[j] = p - (s.stepSize * m1) / (Math.sqrt(v1) * s.invSqrtBias2 + s.epsilon) - p * s.decay;
    out.m[j] = m1;
    out.v[j] = v1;
  }
  return out;
}

function normwise(x: ArrayLike<number>, y: ArrayLike<number>, base?: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    const b = base ? base[i] : 0;
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i] - b));
  }
  return diff / scale;
}

async function readState(
  t: AdamWTensors,
): Promise<{ theta: Float32Array; m: Float32Array; v: Float32Array }> {
  return {
    theta: (await t.theta.data()) as Float32Array,
    m: (await t.m.data()) as Float32Array,
    v: (await t.v.data()) as Float32Array,
  };
}

/** Errors of theta' (as the update theta' - theta), m', v' against the float64 reference. */
function adamWErrors(
  prefix: string,
  got: { theta: Float32Array; m: Float32Array; v: Float32Array },
  want: ReturnType<typeof adamWRef>,
  theta0: Float32Array,
): Record<string, number> {
  return {
    [`${prefix}_update_theta`]: normwise(got.theta, want.theta, theta0),
    [`${prefix}_m`]: normwise(got.m, want.m),
    [`${prefix}_v`]: normwise(got.v, want.v),
  };
}

/** Functional kernel (webgpu) or twin (other backends), then the in-place update of variables. */
export async function checkAdamW(): Promise<CheckResult> {
  const c = adamWCase(3001);
  const want = adamWRef(c);
  const input = { theta: tf.tensor1d(c.state.theta), m: tf.tensor1d(c.state.m), v: tf.tensor1d(c.state.v) };
  const sum = tf.tensor1d(c.sum);
  const functional = noisyAdamW(input, sum, c.cfg);
  const errors = adamWErrors('functional', await readState(functional), want, c.state.theta);
  const vars = { theta: tf.variable(input.theta), m: tf.variable(input.m), v: tf.variable(input.v) };
  tf.dispose([input.theta, input.m, input.v]);
  const inPlace = applyNoisyAdamW(vars, sum, c.cfg);
  Object.assign(errors, adamWErrors('in_place', await readState(vars), want, c.state.theta));
  // A variable whose buffer is shared (here with a clone) must not be overwritten in place.
  const shared = tf.clone(vars.theta);
  const before = Float32Array.from(await shared.data());
  const sharedInPlace = applyNoisyAdamW(vars, sum, c.cfg);
  const after = await shared.data();
  const cloneChanged = before.some((x, i) => x !== after[i]);
  tf.dispose([sum, functional.theta, functional.m, functional.v, vars.theta, vars.m, vars.v, shared]);
  const expectInPlace = tf.getBackend() === 'webgpu';
  const r = check(
    'noisy AdamW vs float64 (functional and in place)',
    errors,
    Object.fromEntries(Object.keys(errors).map((k) => [k, ADAMW_TOLERANCE])),
    `in place: ${inPlace}, shared buffer in place: ${sharedInPlace}, clone changed: ${cloneChanged}`,
  );
  return { ...r, pass: r.pass && inPlace === expectInPlace && !sharedInPlace && !cloneChanged };
}
