import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Params } from '../../src/model/params';
import { AdamW, type AdamWConfig } from '../../src/train/optimizer';
import { type LearningRateSchedule, learningRateAt } from '../../src/train/schedule';
import { useWasm } from './helpers/backend';
import { seededNormal } from './helpers/random';

beforeAll(useWasm);

/** Parameters and whether PyTorch-style fine-tuning decays them (written out here, not via isDecayed). */
const layout: { name: string; shape: number[]; decayed: boolean }[] = [
  { name: 'h.0.mlp.c_fc.weight', shape: [3, 4], decayed: true },
  { name: 'h.0.mlp.c_fc.bias', shape: [4], decayed: false },
  { name: 'h.0.ln_1.weight', shape: [4], decayed: false },
  { name: 'wte.weight', shape: [5, 2], decayed: true },
];

function makeParams(seed: number): { params: Params; values: Map<string, number[]> } {
  const normal = seededNormal(seed);
  const params: Params = new Map();
  const values = new Map<string, number[]>();
  for (const { name, shape } of layout) {
    const size = shape.reduce((a, b) => a * b, 1);
    const v = Array.from({ length: size }, () => normal());
    values.set(name, v);
    params.set(name, tf.variable(tf.tensor(v, shape, 'float32'), true));
  }
  return { params, values };
}

/** The PyTorch AdamW update in float64 (torch.optim.AdamW, amsgrad = False, maximize = False). */
class ReferenceAdamW {
  t = 0;
  m = new Map<string, number[]>();
  v = new Map<string, number[]>();
  constructor(
    public p: Map<string, number[]>,
    private c: { b1: number; b2: number; eps: number; wd: number; schedule: LearningRateSchedule },
  ) {
    for (const [n, x] of p) {
      this.m.set(
        n,
        x.map(() => 0),
      );
      this.v.set(
        n,
        x.map(() => 0),
      );
    }
  }
  step(grads: Map<string, number[]>): void {
    const lr = learningRateAt(this.t, this.c.schedule);
    this.t++;
    const { b1, b2, eps, wd } = this.c;
    for (const { name, decayed } of layout) {
      const p = this.p.get(name)!;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const g = grads.get(name)!;
      for (let i = 0; i < p.length; i++) {
        if (decayed) p[i] *= 1 - lr * wd; // param.mul_(1 - lr * weight_decay)
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const bc1 = 1 - b1 ** this.t;
        const bc2 = 1 - b2 ** this.t;
        const denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
        p[i] -= (lr / bc1) * (m[i] / denom);
      }
    }
  }
}

function randomGrads(normal: () => number, scale: number): Map<string, number[]> {
  const g = new Map<string, number[]>();
  for (const { name, shape } of layout) {
    g.set(
      name,
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * normal()),
    );
  }
  return g;
}

function toTensors(g: Map<string, number[]>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const { name, shape } of layout) out.set(name, tf.tensor(g.get(name)!, shape, 'float32'));
  return out;
}

/**
 * Worst error of the float32 parameters against the float64 reference, in units of float32 rounding:
 * |got - x| / (eps32 (|x| + lr)), where lr bounds the size of one Adam step (a float32 update of size ~lr
 * is itself rounded to ~eps32 lr).
 */
async function worstUlpError(params: Params, ref: Map<string, number[]>, lr: number): Promise<number> {
  const eps32 = 2 ** -23;
  let worst = 0;
  for (const [name, p] of params) {
    const got = await p.data();
    const expected = ref.get(name)!;
    for (let i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - expected[i]) / (eps32 * (Math.abs(expected[i]) + lr)));
    }
  }
  return worst;
}

function expectClose(got: ArrayLike<number>, want: number[], tol: number): void {
  expect(got.length).toBe(want.length);
  // Relative to the array's own magnitude, so tiny second moments are checked as strictly as large ones.
  const scale = Math.max(...want.map(Math.abs));
  const worst = want.reduce((w, x, i) => Math.max(w, Math.abs(got[i] - x) / scale), 0);
  expect(worst).toBeLessThan(tol);
}

const cases: { label: string; config: Partial<AdamWConfig> }[] = [
  { label: 'defaults (constant 1e-4, wd 0.01)', config: {} },
  { label: 'no weight decay, lr 1e-2', config: { weightDecay: 0, schedule: { peak: 1e-2 } } },
  {
    label: 'strong decay with warmup and cosine',
    config: {
      weightDecay: 0.5,
      schedule: { peak: 0.05, warmupSteps: 3, decay: 'cosine', totalSteps: 8, floor: 0.01 },
    },
  },
  {
    label: 'other betas and eps',
    config: { beta1: 0.8, beta2: 0.95, epsilon: 1e-3, schedule: { peak: 0.02 } },
  },
];

describe('AdamW vs a float64 PyTorch-formula reference', () => {
  for (const { label, config } of cases) {
    it(`matches over 8 steps: ${label}`, async () => {
      const { params, values } = makeParams(1);
      const full = {
        b1: config.beta1 ?? 0.9,
        b2: config.beta2 ?? 0.999,
        eps: config.epsilon ?? 1e-8,
        wd: config.weightDecay ?? 0.01,
        schedule: config.schedule ?? { peak: 1e-4 },
      };
      const ref = new ReferenceAdamW(values, full);
      const opt = new AdamW(params, config);
      const normal = seededNormal(2);
      for (let step = 0; step < 8; step++) {
        // Gradients of varying scale, so bias correction and eps both matter.
        const g = randomGrads(normal, step % 3 === 2 ? 1e-3 : 1);
        const gt = toTensors(g);
        const lr = opt.applyGradients(gt);
        tf.dispose([...gt.values()]);
        expect(lr).toBeCloseTo(learningRateAt(step, full.schedule), 15);
        ref.step(g);
        // Float32 rounding accumulates about one unit per step; any formula error is orders of magnitude larger.
        expect(await worstUlpError(params, ref.p, lr)).toBeLessThan(2 + step);
      }
      expect(opt.step).toBe(8);
      const state = await opt.exportState();
      for (const { name } of layout) {
        const m = state.moments.get(name)!;
        expectClose(m.m, ref.m.get(name)!, 1e-6);
        expectClose(m.v, ref.v.get(name)!, 1e-6);
      }
      opt.dispose();
      tf.dispose([...params.values()]);
    });
  }

  it('decays decoupled from the gradient: zero gradients shrink decayed weights by (1 - lr wd) only', async () => {
    const { params, values } = makeParams(3);
    const opt = new AdamW(params, { weightDecay: 0.1, schedule: { peak: 0.5 } });
    const zeros = new Map<string, tf.Tensor>(layout.map(({ name, shape }) => [name, tf.zeros(shape)]));
    opt.applyGradients(zeros);
    for (const { name, decayed } of layout) {
      const got = await params.get(name)!.data();
      expectClose(
        got,
        values.get(name)!.map((x) => (decayed ? x * 0.95 : x)),
        1e-6,
      );
    }
    tf.dispose([...zeros.values()]);
    opt.dispose();
    tf.dispose([...params.values()]);
  });

  it('leaks no tensors across steps', () => {
    const { params } = makeParams(4);
    const opt = new AdamW(params);
    const grads = toTensors(randomGrads(seededNormal(5), 1));
    opt.applyGradients(grads);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.applyGradients(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...grads.values()]);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before - layout.length - 2 * layout.length);
    tf.dispose([...params.values()]);
  });

  it('state export/import resumes exactly where it left off', async () => {
    const a = makeParams(6);
    const b = makeParams(6);
    const config: Partial<AdamWConfig> = { schedule: { peak: 0.01, warmupSteps: 4 } };
    const optA = new AdamW(a.params, config);
    const normal = seededNormal(7);
    const grads = Array.from({ length: 5 }, () => toTensors(randomGrads(normal, 1)));
    for (const g of grads.slice(0, 3)) optA.applyGradients(g);
    // B gets A's parameters and optimizer state, then both take the same two steps.
    for (const [name, p] of b.params) p.assign(a.params.get(name)!);
    const optB = new AdamW(b.params, config);
    await optB.importState(await optA.exportState());
    expect(optB.step).toBe(3);
    for (const g of grads.slice(3)) {
      optA.applyGradients(g);
      optB.applyGradients(g);
    }
    for (const [name, p] of a.params) expect(await b.params.get(name)!.data()).toEqual(await p.data());
    tf.dispose(grads.flatMap((g) => [...g.values()]));
    tf.dispose([...a.params.values(), ...b.params.values()]);
    optA.dispose();
    optB.dispose();
  });

  it('rejects mismatched gradients, states and configs with specific messages', async () => {
    const { params } = makeParams(8);
    const opt = new AdamW(params);
    const grads = toTensors(randomGrads(seededNormal(9), 1));
    const missing = new Map(grads);
    missing.delete('wte.weight');
    expect(() => opt.applyGradients(missing)).toThrow(/missing \[wte.weight\]/);
    const wrongShape = new Map(grads);
    wrongShape.set('wte.weight', tf.zeros([2, 5]));
    expect(() => opt.applyGradients(wrongShape)).toThrow(
      /wte.weight: shape \[2,5\] differs from parameter \[5,2\]/,
    );
    const state = await opt.exportState();
    state.moments.get('h.0.ln_1.weight')!.m = new Float32Array(3);
    await expect(opt.importState(state)).rejects.toThrow(/h.0.ln_1.weight: expected 4 values/);
    expect(() => new AdamW(params, { beta2: 1 })).toThrow(/beta2/);
    expect(() => new AdamW(params, { weightDecay: -1 })).toThrow(/weightDecay/);
    expect(opt.step).toBe(0);
    wrongShape.get('wte.weight')!.dispose();
    tf.dispose([...grads.values()]);
    opt.dispose();
    tf.dispose([...params.values()]);
  });
});
