/**
 * AdamW (Loshchilov & Hutter) with PyTorch's semantics, on TF.js variables. Per update t = 1, 2, ...:
 *   p <- p - lr * wd * p                        (decoupled decay; only where isDecayed(name))
 *   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
 *   p <- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * The scalars are computed in float64 and the tensors updated in float32. The decay is applied as
 * p - (lr wd) p rather than p (1 - lr wd): in float32, 1 - 1e-6 is off by ~1% of the 1e-6.
 * Memory: two moment variables per parameter, updated in place (`assign` frees the old buffers).
 */
import * as tf from '@tensorflow/tfjs';
import { isDecayed, type Params } from '../model/params';
import { DEFAULT_SCHEDULE, type LearningRateSchedule, learningRateAt, validateSchedule } from './schedule';

export interface AdamWConfig {
  /** Learning-rate schedule, evaluated at the number of updates already done. Default constant 1e-4. */
  schedule: LearningRateSchedule;
  /** Default 0.9. */
  beta1: number;
  /** Default 0.999. */
  beta2: number;
  /** Added to sqrt(v-hat), as in PyTorch. Default 1e-8. */
  epsilon: number;
  /** Decoupled weight decay. Default 0.01. */
  weightDecay: number;
  /** Which parameters are decayed. Default: the model's rule (not biases, not LayerNorm). */
  isDecayed: (name: string) => boolean;
}

export const DEFAULT_ADAMW_CONFIG: AdamWConfig = {
  schedule: DEFAULT_SCHEDULE,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0.01,
  isDecayed,
};

/** Optimizer state for checkpoints: updates done and both moments of every parameter. */
export interface AdamWState {
  step: number;
  moments: Map<string, { m: Float32Array; v: Float32Array }>;
}

/** One update applied outside AdamW (AdamW.externalUpdate). */
export interface ExternalUpdate {
  learningRate: number;
  /** t, the 1-based number of this update (bias corrections use it). */
  step: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  parameters: { name: string; param: tf.Variable; m: tf.Variable; v: tf.Variable; weightDecay: number }[];
  /** Counts the update as done. */
  commit(): void;
}

function validateConfig(c: AdamWConfig): void {
  validateSchedule(c.schedule);
  for (const [name, beta] of [
    ['beta1', c.beta1],
    ['beta2', c.beta2],
  ] as const) {
    if (!(beta >= 0 && beta < 1)) throw new Error(`AdamW ${name} must be in [0, 1), got ${beta}`);
  }
  if (!(c.epsilon > 0 && Number.isFinite(c.epsilon)))
    throw new Error(`AdamW epsilon must be > 0, got ${c.epsilon}`);
  if (!(c.weightDecay >= 0 && Number.isFinite(c.weightDecay)))
    throw new Error(`AdamW weightDecay must be finite and >= 0, got ${c.weightDecay}`);
}

/** variable := compute(), with compute's temporaries freed and no extra reference kept. */
function assignFrom(variable: tf.Variable, compute: () => tf.Tensor): void {
  const value = tf.tidy(compute);
  variable.assign(value);
  value.dispose();
}

export class AdamW {
  readonly config: AdamWConfig;
  private readonly params: Params;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();
  private updates = 0;

  /** Optimises every variable of `params` (pass a sub-map to freeze the rest). */
  constructor(params: Params, config: Partial<AdamWConfig> = {}) {
    this.config = { ...DEFAULT_ADAMW_CONFIG, ...config };
    validateConfig(this.config);
    this.params = params;
    for (const [name, p] of params) {
      if (p.dtype !== 'float32') throw new Error(`AdamW: parameter ${name} is ${p.dtype}, expected float32`);
      this.moments.set(name, {
        m: tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      });
    }
  }

  /** Updates already applied (t - 1 for the next update). */
  get step(): number {
    return this.updates;
  }

  /** The rate the next update will use. */
  nextLearningRate(): number {
    return learningRateAt(this.updates, this.config.schedule);
  }

  /** Applies one update from a gradient for every optimised parameter; returns the rate used. */
  applyGradients(grads: Map<string, tf.Tensor>): number {
    const missing = [...this.params.keys()].filter((n) => !grads.has(n));
    const extra = [...grads.keys()].filter((n) => !this.params.has(n));
    if (missing.length || extra.length) {
      throw new Error(
        `AdamW gradients do not match the parameters: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`,
      );
    }
    for (const [name, g] of grads) {
      const p = this.params.get(name)!;
      if (!tf.util.arraysEqual(g.shape, p.shape))
        throw new Error(`AdamW gradient ${name}: shape [${g.shape}] differs from parameter [${p.shape}]`);
      if (g.dtype !== 'float32') throw new Error(`AdamW gradient ${name} is ${g.dtype}, expected float32`);
    }
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    const lr = this.nextLearningRate();
    const t = this.updates + 1;
    const stepSize = lr / (1 - beta1 ** t);
    const invSqrtBias2 = 1 / Math.sqrt(1 - beta2 ** t);
    for (const [name, p] of this.params) {
      const g = grads.get(name)!;
      const { m, v } = this.moments.get(name)!;
      const decay = this.config.isDecayed(name) ? lr * weightDecay : 0;
      // One small tidy per statement, each assigned at once: the old moment's buffer is freed before
      // the next is computed, so a parameter costs ~3 extra copies at a time, not the ~15 one tidy
      // around all of it held (2.3 GB for GPT-2's 147 MB token embedding).
      assignFrom(m, () => tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
      assignFrom(v, () => tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
      const denom = tf.tidy(() => tf.add(tf.mul(tf.sqrt(v), invSqrtBias2), epsilon));
      const change = tf.tidy(() => tf.mul(tf.div(m, denom), stepSize));
      denom.dispose();
      assignFrom(p, () => (decay === 0 ? tf.sub(p, change) : tf.sub(tf.sub(p, change), tf.mul(p, decay))));
      change.dispose();
    }
    this.updates = t;
    return lr;
  }

  /**
   * For an update computed outside this class (train/noisy-update.ts fuses DP noise and this
   * AdamW step in one kernel): every optimised parameter in order with its moments and its decay
   * rate, and the scalars of the next update. Call `commit()` once every parameter is written.
   */
  externalUpdate(): ExternalUpdate {
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    const step = this.updates + 1;
    return {
      learningRate: this.nextLearningRate(),
      step,
      beta1,
      beta2,
      epsilon,
      parameters: [...this.params].map(([name, param]) => ({
        name,
        param,
        ...this.moments.get(name)!,
        weightDecay: this.config.isDecayed(name) ? weightDecay : 0,
      })),
      commit: () => {
        this.updates = step;
      },
    };
  }

  /** Reads the state back (async: webgpu forbids synchronous reads). */
  async exportState(): Promise<AdamWState> {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [name, { m, v }] of this.moments) {
      moments.set(name, { m: (await m.data()) as Float32Array, v: (await v.data()) as Float32Array });
    }
    return { step: this.updates, moments };
  }

  /** Restores a state from exportState (same parameter names and sizes), checking everything first. */
  async importState(state: AdamWState): Promise<void> {
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new Error(`AdamW state step must be an integer >= 0, got ${state.step}`);
    const missing = [...this.moments.keys()].filter((n) => !state.moments.has(n));
    const extra = [...state.moments.keys()].filter((n) => !this.moments.has(n));
    if (missing.length || extra.length) {
      throw new Error(
        `AdamW state does not match the parameters: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`,
      );
    }
    for (const [name, { m, v }] of state.moments) {
      const size = this.moments.get(name)!.m.size;
      if (m.length !== size || v.length !== size)
        throw new Error(`AdamW state ${name}: expected ${size} values, got m ${m.length}, v ${v.length}`);
    }
    for (const [name, { m, v }] of state.moments) {
      const target = this.moments.get(name)!;
      tf.tidy(() => {
        target.m.assign(tf.tensor(m, target.m.shape, 'float32'));
        target.v.assign(tf.tensor(v, target.v.shape, 'float32'));
      });
    }
    this.updates = state.step;
  }

  /** Frees the moment buffers (not the parameters, which the caller owns). */
  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }
}
