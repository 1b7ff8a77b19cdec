/**
 * One full DP step of a tiny GPT on webgpu (Dawn + SwiftShader) against the same step on wasm:
 * - clippedGradientsFast with the 'auto' strategy, i.e. the fused WGSL kernels on webgpu and the
 *   per-example loops on wasm: same clipped sums, norms, clip factors, losses and per-parameter
 *   norms (relative error <= 1e-4), tied and untied, padded rows, K = 1 and 2, and LoRA adapters
 *   (their factors are bias-free linear layers for the kernels);
 * - the noisy AdamW update: the fused WGSL kernel (applyNoisySums (train/noisy-update.ts)) against CPU noise +
 *   AdamW.applyGradients on wasm with the same test-only seed; then two whole trainWithDP steps.
 * Tensors never cross backends: every run starts from Float32Arrays (variables are re-created).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClippedGradients, clippedGradientsFast } from '../../src/dp/clipping';
import { initBackend } from '../../src/model/backend';
import { type GPTConfig, makeConfig } from '../../src/model/config';
import { type LoraConfig, loraAdaptersFromArrays, loraShapes } from '../../src/model/lora';
import type { TokenBatch } from '../../src/model/losses';
import {
  disposeParams,
  type Params,
  paramShapes,
  paramsFromArrays,
  paramsToArrays,
} from '../../src/model/params';
import { insecureFixedSeedNoiseSource } from '../../src/random/noise';
import { planPrivacy } from '../../src/train/dp-plan';
import { trainWithDP } from '../../src/train/dp-train';
import { applyNoisySums, noisyAverage } from '../../src/train/noisy-update';
import { AdamW, type AdamWConfig } from '../../src/train/optimizer';
import { seededNormal } from '../unit/helpers/random';
import { randomIds } from '../unit/helpers/tiny-model';

const T = 8;
const V = 29;

interface Row {
  ids: number[]; // T + 1 tokens
  real: number; // real targets; the rest is padding
}

interface StepCase {
  name: string;
  config: GPTConfig;
  rows: Row[];
  k: number;
  /** LoRA adapters trained instead of the model (their factors are the clipped parameters). */
  lora?: LoraConfig;
}

const full = (seed: number): Row => ({ ids: randomIds(T + 1, V, seed), real: T });
const repeated: Row = { ids: [4, 4, 9, 4, 4, 9, 4, 4, 9], real: T };
const padded: Row = { ids: [1, 2, 3, 0, 0, 0, 0, 0, 0], real: 3 };
const emptyPad: Row = { ids: new Array(T + 1).fill(0), real: 0 };
// Width 16: with L = 8 the ghost kernel serves c_attn, c_fc, c_proj and the head; with L = 16
// (K = 2) the direct one does (docs/METHOD.md's cost model), so both kernels are exercised.
const model = (tie: boolean) =>
  makeConfig({ vocabSize: V, contextLength: T, nLayer: 2, nHead: 2, nEmbd: 16, tieEmbeddings: tie });

const cases: StepCase[] = [
  {
    name: 'tied, a padded row, K = 1',
    config: model(true),
    rows: [full(1), padded, full(2), repeated],
    k: 1,
  },
  { name: 'untied, a padded row, K = 1', config: model(false), rows: [full(3), repeated, padded], k: 1 },
  {
    name: 'tied, K = 2 windows per example',
    config: model(true),
    rows: [full(4), full(5), repeated, padded, full(6), emptyPad],
    k: 2,
  },
  {
    name: 'untied, K = 2 windows per example',
    config: model(false),
    rows: [repeated, full(7), full(8), padded],
    k: 2,
  },
  {
    name: 'LoRA r = 2 on every linear layer (tied, K = 2): the factors through the fused kernels',
    config: model(true),
    rows: [full(9), repeated, padded, full(10)],
    k: 2,
    lora: { rank: 2, alpha: 4, targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] },
  },
];

/** Random A and B factors (B non-zero, so A's gradient is too). */
function loraArrays(c: StepCase, seed: number): Map<string, Float32Array> {
  const normal = seededNormal(seed);
  const out = new Map<string, Float32Array>();
  if (!c.lora) return out;
  for (const [name, [a, b]] of loraShapes(c.config, c.lora))
    out.set(
      name,
      Float32Array.from({ length: a * b }, () => 0.3 * normal()),
    );
  return out;
}

function randomArrays(config: GPTConfig, seed: number): Map<string, Float32Array> {
  const normal = seededNormal(seed);
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of paramShapes(config)) {
    const gain = /ln_(1|2|f)\.weight$/.test(name) ? 1 : 0;
    out.set(
      name,
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => gain + 0.3 * normal()),
    );
  }
  return out;
}

function makeBatch(rows: Row[]): TokenBatch {
  return {
    inputs: tf.tensor2d(
      rows.map((r) => r.ids.slice(0, T)),
      [rows.length, T],
      'int32',
    ),
    targets: tf.tensor2d(
      rows.map((r) => r.ids.slice(1, T + 1)),
      [rows.length, T],
      'int32',
    ),
    mask: tf.tensor2d(
      rows.map((r) => Array.from({ length: T }, (_, i) => (i < r.real ? 1 : 0))),
      [rows.length, T],
    ),
  };
}

/** Everything a DP step produces, read back to arrays. */
interface StepArrays {
  strategy: string;
  sums: Map<string, Float32Array>;
  norms: Float32Array;
  factors: Float32Array;
  losses: Float32Array;
  parts: Map<string, Float32Array>;
  methods: Map<string, string>;
}

async function readStep(r: ClippedGradients): Promise<StepArrays> {
  const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
  const sums = new Map<string, Float32Array>();
  for (const [name, t] of r.clippedSum) sums.set(name, await read(t));
  const parts = new Map<string, Float32Array>();
  for (const [name, t] of r.breakdown!.sqNorms) parts.set(name, await read(t));
  const out = {
    strategy: r.strategy!,
    sums,
    norms: await read(r.norms),
    factors: await read(r.clipFactors),
    losses: await read(r.losses),
    parts,
    methods: new Map(r.breakdown!.methods),
  };
  tf.dispose([...r.clippedSum.values(), ...r.breakdown!.sqNorms.values(), r.norms, r.clipFactors, r.losses]);
  return out;
}

function runStep(c: StepCase, weights: Map<string, Float32Array>, clipNorm: number) {
  const params = paramsFromArrays(c.config, weights);
  const adapters = c.lora ? loraAdaptersFromArrays(c.config, c.lora, loraArrays(c, 90)) : undefined;
  const batch = makeBatch(c.rows);
  const r = clippedGradientsFast(params, c.config, batch, {
    clipNorm,
    windowsPerExample: c.k,
    recordNormBreakdown: true,
    ...(adapters ? { parameters: 'lora' as const, adapters } : {}),
  });
  const dispose = () => {
    disposeParams(params);
    if (adapters) disposeParams(adapters.params);
    tf.dispose([batch.inputs, batch.targets, batch.mask]);
  };
  return { r, dispose };
}

/** ||x - y|| / ||y|| (||x - y|| when y = 0). */
function relErr(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < x.length; i++) {
    diff += (x[i] - y[i]) ** 2;
    ref += y[i] ** 2;
  }
  return ref === 0 ? Math.sqrt(diff) : Math.sqrt(diff / ref);
}

const weights = cases.map((c, i) => randomArrays(c.config, 70 + i));
const clipNorms: number[] = [];
const onWasm: StepArrays[] = [];

describe('one DP step: webgpu (fused kernels) equals wasm (per-example loops)', () => {
  beforeAll(async () => {
    expect((await initBackend({ override: 'wasm' })).backend).toBe('wasm');
    for (const [i, c] of cases.entries()) {
      // C between the smallest and largest non-zero norm: some examples clipped, some not.
      const probe = runStep(c, weights[i], 1e9);
      const norms = [...(await readStep(probe.r)).norms].filter((n) => n > 0).sort((a, b) => a - b);
      probe.dispose();
      clipNorms.push((norms[0] + norms[norms.length - 1]) / 2);
      const step = runStep(c, weights[i], clipNorms[i]);
      onWasm.push(await readStep(step.r));
      step.dispose();
    }
    expect((await initBackend({ override: 'webgpu' })).backend).toBe('webgpu');
  });

  const kernelMethods = new Set<string>();
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const step = runStep(c, weights[i], clipNorms[i]);
      const gpu = await readStep(step.r);
      step.dispose();
      const cpu = onWasm[i];
      expect(cpu.strategy).toBe('perExampleLoops');
      expect(gpu.strategy).toBe('fusedKernels');
      const clipped = [...cpu.factors].filter((f, e) => f < 1 && cpu.norms[e] > 0).length;
      expect(clipped, 'some examples clipped').toBeGreaterThan(0);
      expect(clipped, 'some examples not clipped').toBeLessThan([...cpu.norms].filter((n) => n > 0).length);
      const errors: Record<string, number> = {
        norms: relErr(gpu.norms, cpu.norms),
        clipFactors: relErr(gpu.factors, cpu.factors),
        losses: relErr(gpu.losses, cpu.losses),
      };
      expect([...gpu.sums.keys()].sort()).toEqual([...cpu.sums.keys()].sort());
      // Under LoRA exactly the adapter factors are clipped and summed, on the GPU as on wasm.
      if (c.lora) expect([...gpu.sums.keys()].every((n) => /\.lora_[AB]\.weight$/.test(n))).toBe(true);
      for (const [name, x] of cpu.sums) errors[`sum ${name}`] = relErr(gpu.sums.get(name)!, x);
      expect([...gpu.parts.keys()].sort()).toEqual([...cpu.parts.keys()].sort());
      for (const [name, x] of cpu.parts) errors[`norm² ${name}`] = relErr(gpu.parts.get(name)!, x);
      for (const m of gpu.methods.values()) kernelMethods.add(m);
      const worst = Object.entries(errors).sort((a, b) => b[1] - a[1])[0];
      console.log(`${c.name}: worst relative error ${worst[1].toExponential(2)} (${worst[0]})`);
      for (const [what, e] of Object.entries(errors)) expect(e, what).toBeLessThanOrEqual(1e-4);
      // Padding-only examples have zero norm on the GPU as well.
      cpu.norms.forEach((n, e) => {
        if (n === 0) expect(gpu.norms[e]).toBe(0);
      });
    });
  }

  it('used every fused kernel: ghost, direct, bias, embedding, tied cross', () => {
    for (const m of ['kernel:ghost', 'kernel:direct', 'kernel:bias', 'kernel:embedding', 'kernel:tiedCross'])
      expect(kernelMethods, m).toContain(m);
  });
});

const adam: Partial<AdamWConfig> = { schedule: { peak: 1e-2 }, weightDecay: 0.1 };

/** One noisy AdamW update of given sums; returns parameters and moments after it. */
async function noisyUpdate(fused: boolean, config: GPTConfig, start: Map<string, Float32Array>) {
  const params = paramsFromArrays(config, start);
  const names = [...params.keys()];
  const opt = new AdamW(params, adam);
  const normal = seededNormal(5);
  const sums = new Map(
    names.map((n) => [
      n,
      tf.tensor(Float32Array.from({ length: params.get(n)!.size }, normal), params.get(n)!.shape),
    ]),
  );
  const source = insecureFixedSeedNoiseSource(42);
  let inPlace = 0;
  for (let step = 0; step < 2; step++) {
    if (fused) {
      inPlace += applyNoisySums(opt, sums, {
        seed: source.nextSeed(),
        noiseStd: 0.8,
        expectedBatchSize: 6,
      }).updatedInPlace;
    } else {
      const grads = noisyAverage(sums, names, params, 0.8, 6, source);
      opt.applyGradients(grads);
      tf.dispose([...grads.values()]);
    }
  }
  const out = { params: await paramsToArrays(params), state: await opt.exportState(), inPlace };
  tf.dispose([...sums.values()]);
  opt.dispose();
  disposeParams(params);
  return out;
}

/** max |x - y| over every parameter, in units of the learning rate (an AdamW step is ~lr). */
function maxDiffInLr(x: Map<string, Float32Array>, y: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [name, a] of x) {
    const b = y.get(name)!;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  return worst / 1e-2;
}

describe('noisy AdamW: fused WGSL update equals CPU noise + AdamW', () => {
  const config = model(true);
  const start = randomArrays(config, 90);
  let cpu: Awaited<ReturnType<typeof noisyUpdate>>;

  it('two updates of the same sums with the same test-only seed', async () => {
    await initBackend({ override: 'wasm' });
    cpu = await noisyUpdate(false, config, start);
    await initBackend({ override: 'webgpu' });
    const gpu = await noisyUpdate(true, config, start);
    expect(gpu.inPlace, 'fused kernel wrote in place').toBe(2 * start.size);
    const paramDiff = maxDiffInLr(gpu.params, cpu.params);
    let momentErr = 0;
    for (const [name, { m, v }] of cpu.state.moments) {
      const g = gpu.state.moments.get(name)!;
      momentErr = Math.max(momentErr, relErr(g.m, m), relErr(g.v, v));
    }
    console.log(
      `noisy AdamW: max |dtheta| ${paramDiff.toExponential(2)} lr, moments rel ${momentErr.toExponential(2)}`,
    );
    expect(paramDiff).toBeLessThanOrEqual(1e-3);
    expect(momentErr).toBeLessThanOrEqual(1e-5);
    // The update did something: parameters moved by about lr.
    expect(maxDiffInLr(cpu.params, start)).toBeGreaterThan(0.5);
  });
});

describe('trainWithDP: two steps on webgpu equal two steps on wasm', () => {
  const config = model(true);
  const start = randomArrays(config, 91);
  const docs = Array.from({ length: 12 }, (_, d) =>
    Array.from({ length: 1 + (d % 2) }, (_, w) => randomIds(T + 1, V, 100 + 2 * d + w)),
  );
  const training = {
    expectedBatchSize: 6,
    epochs: 1,
    microBatchSize: 4,
    windowsPerDocument: 2,
    noiseMultiplier: 1,
    clipNorm: 0.5,
    schedule: { peak: 1e-2 },
    insecureFixedSeedForTestsOnly: 17,
  };
  const plan = planPrivacy(docs.length, training);

  async function train(): Promise<{ params: Map<string, Float32Array>; modes: string[]; sampled: number[] }> {
    const params: Params = paramsFromArrays(config, start);
    const modes: string[] = [];
    const sampled: number[] = [];
    await trainWithDP({
      params,
      config,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      hooks: {
        onStep: (r) => {
          modes.push(r.noisyUpdate);
          sampled.push(r.sampledDocuments);
        },
      },
    });
    const out = await paramsToArrays(params);
    disposeParams(params);
    return { params: out, modes, sampled };
  }

  it('same parameters after the run', async () => {
    expect(plan.steps).toBe(2);
    await initBackend({ override: 'wasm' });
    const cpu = await train();
    await initBackend({ override: 'webgpu' });
    const gpu = await train();
    expect(cpu.modes).toEqual(['cpu-noise', 'cpu-noise']);
    expect(gpu.modes).toEqual(['fused-webgpu', 'fused-webgpu']);
    expect(gpu.sampled).toEqual(cpu.sampled);
    expect(cpu.sampled.some((n) => n > 0)).toBe(true);
    const diff = maxDiffInLr(gpu.params, cpu.params);
    console.log(`trainWithDP 2 steps: max |dtheta| ${diff.toExponential(2)} lr (sampled ${cpu.sampled})`);
    expect(diff).toBeLessThanOrEqual(1e-3);
  });
});
