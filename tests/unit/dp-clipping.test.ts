import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ClippedGradients,
  type ClippingOptions,
  clippedGradientsFast,
  exampleLosses,
  sumRowsPerExample,
  trainableNames,
} from '../../src/dp/clipping';
import type { NormMethod, ReductionStrategy } from '../../src/dp/norm-accumulator';
import { clippedGradientsNaive } from '../../src/dp/oracle';
import type { GPTConfig } from '../../src/model/config';
import { forward } from '../../src/model/gpt';
import type { TokenBatch } from '../../src/model/losses';
import { disposeParams, type Params } from '../../src/model/params';
import { perExampleKDLoss } from '../../src/train/distill';
import { gradientsOf } from '../../src/train/step';
import { useWasm } from './helpers/backend';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

interface Row {
  ids: number[]; // T + 1 tokens: inputs ids[0..T-1], targets ids[1..T]
  real: number; // number of real targets (the rest is padding)
}

function makeBatch(rows: Row[], t: number): TokenBatch {
  const inputs = rows.map((r) => r.ids.slice(0, t));
  const targets = rows.map((r) => r.ids.slice(1, t + 1));
  const mask = rows.map((r) => Array.from({ length: t }, (_, i) => (i < r.real ? 1 : 0)));
  return {
    inputs: tf.tensor2d(inputs, [rows.length, t], 'int32'),
    targets: tf.tensor2d(targets, [rows.length, t], 'int32'),
    mask: tf.tensor2d(mask, [rows.length, t], 'float32'),
  };
}

async function relErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const diff = (await tf.norm(tf.sub(a, b)).data())[0];
  const ref = (await tf.norm(b).data())[0];
  return ref === 0 ? diff : diff / ref;
}

async function compare(fast: ClippedGradients, naive: ClippedGradients): Promise<number> {
  expect([...fast.clippedSum.keys()].sort()).toEqual([...naive.clippedSum.keys()].sort());
  let worst = await relErr(fast.norms, naive.norms);
  for (const [name, g] of naive.clippedSum) {
    const e = await relErr(fast.clippedSum.get(name)!, g);
    expect(e, name).toBeLessThanOrEqual(1e-4);
    worst = Math.max(worst, e);
  }
  expect(await relErr(fast.clipFactors, naive.clipFactors)).toBeLessThanOrEqual(1e-4);
  expect(await relErr(fast.losses, naive.losses)).toBeLessThanOrEqual(1e-5);
  return worst;
}

function dispose(r: ClippedGradients): void {
  tf.dispose([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
}

interface Case {
  name: string;
  cfg: Partial<GPTConfig>;
  rows: Row[];
  opts: Partial<ClippingOptions>;
  clip: 'all' | 'none' | 'mix';
}

const T = 6;
const V = 17;
const full = (seed: number): Row => ({ ids: randomIds(T + 1, V, seed), real: T });
const repeated: Row = { ids: [4, 4, 9, 4, 4, 9, 4], real: T };
const padded: Row = { ids: [1, 2, 3, 0, 0, 0, 0], real: 2 };
const emptyPad: Row = { ids: [0, 0, 0, 0, 0, 0, 0], real: 0 };

const cases: Case[] = [
  {
    name: 'tied, mix of clipped and unclipped',
    cfg: {},
    rows: [full(1), full(2), repeated, full(3)],
    opts: {},
    clip: 'mix',
  },
  { name: 'tied, all clipped', cfg: {}, rows: [full(4), full(5), full(6)], opts: {}, clip: 'all' },
  { name: 'tied, none clipped', cfg: {}, rows: [full(7), repeated], opts: {}, clip: 'none' },
  {
    name: 'untied head',
    cfg: { tieEmbeddings: false },
    rows: [full(8), repeated, full(9)],
    opts: {},
    clip: 'mix',
  },
  {
    name: 'frozen embeddings (tied)',
    cfg: {},
    rows: [full(10), full(11), repeated],
    opts: { embeddings: 'frozen' },
    clip: 'mix',
  },
  {
    name: 'frozen embeddings (untied)',
    cfg: { tieEmbeddings: false },
    rows: [full(12), repeated],
    opts: { embeddings: 'frozen' },
    clip: 'mix',
  },
  {
    name: 'padded positions and empty padding rows',
    cfg: {},
    rows: [full(13), padded, emptyPad, full(14), emptyPad],
    opts: {},
    clip: 'mix',
  },
  {
    // Above ONE_HOT_CROSS_MAX_VOCAB the wasm loops read the tied cross term by a gather.
    name: 'tied, vocabulary of 600 (the cross term by gather)',
    cfg: { vocabSize: 600 },
    rows: [
      { ids: randomIds(T + 1, 600, 40), real: T },
      repeated,
      padded,
      { ids: randomIds(T + 1, 600, 41), real: T },
    ],
    opts: {},
    clip: 'mix',
  },
  {
    name: 'K = 2 windows per example (one clip per document)',
    cfg: {},
    rows: [full(15), full(16), repeated, padded, full(17), emptyPad],
    opts: { windowsPerExample: 2 },
    clip: 'mix',
  },
  {
    name: 'K = 3, untied, with repeated tokens across windows',
    cfg: { tieEmbeddings: false },
    rows: [repeated, repeated, full(18), full(19), padded, emptyPad],
    opts: { windowsPerExample: 3 },
    clip: 'mix',
  },
  {
    // L = 18 windows' tokens per example: L^2 >= 16 V, so the wasm loops form each example's
    // token-embedding gradient (V, d) directly, and the head's per-example gradients are (d, V).
    name: 'K = 3, tied: direct token-embedding gradients, the head as (d, V)',
    cfg: {},
    rows: [full(20), repeated, padded, full(21), emptyPad, repeated],
    opts: { windowsPerExample: 3 },
    clip: 'mix',
  },
  {
    // Width 32 > V: the head's per-example gradients are laid out (V, d).
    name: 'K = 3, tied, width 32: direct, the head as (V, d)',
    cfg: { nEmbd: 32 },
    rows: [full(22), full(23), repeated, padded, repeated, full(24)],
    opts: { windowsPerExample: 3 },
    clip: 'mix',
  },
  {
    // No per-example budget: every linear layer, the head included, keeps (A, G) for a ghost norm,
    // so the direct token-embedding term meets the Gram cross term.
    name: 'K = 3, tied, no per-example budget: direct embedding, Gram cross term',
    cfg: {},
    rows: [full(25), repeated, full(26), padded, full(27), full(28)],
    opts: { windowsPerExample: 3, perExampleBudgetBytes: 0 },
    clip: 'mix',
  },
];

// Both reduction strategies: the wasm loops (the default here) and the fused-kernel strategy that
// 'auto' picks on webgpu, run here through the kernels' TF.js twins.
const strategies: ReductionStrategy[] = ['perExampleLoops', 'fusedKernels'];

describe('fast book-keeping clipping equals the naive per-example oracle', () => {
  for (const [c, reduction] of cases.flatMap((c) => strategies.map((s) => [c, s] as const))) {
    it(`${c.name} [${reduction}]`, async () => {
      const cfg = tinyConfig({ vocabSize: V, contextLength: T, nLayer: 2, nHead: 2, nEmbd: 8, ...c.cfg });
      const { params } = randomWeights(cfg, 31, 0.3);
      const batch = makeBatch(c.rows, T);
      // Unclipped norms from the oracle choose C for the requested regime.
      const probe = clippedGradientsNaive(params, cfg, batch, { ...c.opts, clipNorm: 1e9 });
      const norms = [...(await probe.norms.data())];
      const positive = norms.filter((n) => n > 0).sort((a, b) => a - b);
      dispose(probe);
      expect(positive.length).toBeGreaterThan(0);
      const clipNorm =
        c.clip === 'all'
          ? positive[0] / 4
          : c.clip === 'none'
            ? positive[positive.length - 1] * 4
            : (positive[0] + positive[positive.length - 1]) / 2;
      const opts = { ...c.opts, clipNorm };
      const fast = clippedGradientsFast(params, cfg, batch, { ...opts, reduction });
      expect(fast.strategy).toBe(reduction);
      const naive = clippedGradientsNaive(params, cfg, batch, opts);
      await compare(fast, naive);
      const factors = [...(await fast.clipFactors.data())];
      const fastNorms = [...(await fast.norms.data())];
      // The regime really is the one named: some/all/none of the non-empty examples are clipped.
      const clipped = factors.filter((f, i) => fastNorms[i] > 0 && f < 1).length;
      if (c.clip === 'all') expect(clipped).toBe(positive.length);
      if (c.clip === 'none') expect(clipped).toBe(0);
      if (c.clip === 'mix') {
        expect(clipped).toBeGreaterThan(0);
        expect(clipped).toBeLessThan(positive.length);
      }
      // Empty padding examples have exactly zero norm and contribute nothing.
      const k = c.opts.windowsPerExample ?? 1;
      c.rows.forEach((_, r) => {
        const ex = Math.floor(r / k);
        const allEmpty = c.rows.slice(ex * k, ex * k + k).every((row) => row.real === 0);
        if (allEmpty) expect(fastNorms[ex]).toBe(0);
      });
      dispose(fast);
      dispose(naive);
      tf.dispose([batch.inputs, batch.targets, batch.mask]);
      disposeParams(params);
    });
  }

  it('a per-row distillation loss (DPKD) gives the same clipped sums on both paths', async () => {
    const cfg = tinyConfig({ vocabSize: V, contextLength: T });
    const { params } = randomWeights(cfg, 33, 0.3);
    const rows = [full(50), repeated, padded, full(51)];
    const batch = makeBatch(rows, T);
    const teacherLogits = tf.randomNormal([rows.length, T, V], 0, 2, 'float32', 3) as tf.Tensor3D;
    const rowLoss = (logits: tf.Tensor3D, b: TokenBatch, firstRow: number) =>
      perExampleKDLoss(logits, tf.slice(teacherLogits, [firstRow, 0, 0], [logits.shape[0], T, V]), b, {
        lambda: 0.4,
        temperature: 2,
      });
    const probe = clippedGradientsNaive(params, cfg, batch, { clipNorm: 1e9, rowLoss });
    const norms = [...(await probe.norms.data())].filter((n) => n > 0).sort((a, b) => a - b);
    dispose(probe);
    const opts = { clipNorm: (norms[0] + norms[norms.length - 1]) / 2, rowLoss };
    const fast = clippedGradientsFast(params, cfg, batch, opts);
    const naive = clippedGradientsNaive(params, cfg, batch, opts);
    await compare(fast, naive);
    dispose(fast);
    dispose(naive);
    disposeParams(params);
  });

  it('an example gradient does not depend on the other examples in the batch', async () => {
    const cfg = tinyConfig({ vocabSize: V, contextLength: T });
    const { params } = randomWeights(cfg, 32, 0.3);
    const alone = clippedGradientsFast(params, cfg, makeBatch([full(40)], T), { clipNorm: 1e9 });
    const withOthers = clippedGradientsFast(params, cfg, makeBatch([full(40), padded, full(41)], T), {
      clipNorm: 1e9,
    });
    const a = await alone.norms.data();
    const b = await withOthers.norms.data();
    expect(Math.abs(a[0] - b[0]) / a[0]).toBeLessThan(1e-5);
    dispose(alone);
    dispose(withOthers);
    disposeParams(params as Params);
  });
});

/** Per-parameter squared norms of each example's gradient, by ordinary autodiff one example at a time. */
async function autodiffSqNorms(
  params: Params,
  cfg: GPTConfig,
  batch: TokenBatch,
  k: number,
  trainable: Set<string>,
): Promise<Map<string, number[]>> {
  const [rows, t] = batch.inputs.shape;
  const out = new Map<string, number[]>([...trainable].map((n) => [n, []]));
  for (let i = 0; i < rows / k; i++) {
    const slice = (x: tf.Tensor2D) => tf.slice(x, [i * k, 0], [k, t]);
    const one = { inputs: slice(batch.inputs), targets: slice(batch.targets), mask: slice(batch.mask) };
    const { loss, grads } = gradientsOf(
      params,
      () => tf.sum(exampleLosses(forward(params, cfg, one.inputs).logits, one, k)) as tf.Scalar,
      trainable,
    );
    for (const [name, g] of grads) out.get(name)!.push((await tf.sum(tf.square(g)).data())[0]);
    tf.dispose([loss, ...grads.values(), one.inputs, one.targets, one.mask]);
  }
  return out;
}

describe('per-parameter norm breakdown', () => {
  for (const reduction of strategies) {
    it(`matches autodiff per parameter, tied and K = 2 [${reduction}]`, async () => {
      const cfg = tinyConfig({ vocabSize: V, contextLength: T, nLayer: 1, nHead: 2, nEmbd: 8 });
      const { params } = randomWeights(cfg, 34, 0.3);
      const batch = makeBatch([full(60), repeated, padded, full(61)], T);
      const fast = clippedGradientsFast(params, cfg, batch, {
        windowsPerExample: 2,
        reduction,
        recordNormBreakdown: true,
      });
      const breakdown = fast.breakdown!;
      const trainable = trainableNames(params, cfg, 'train');
      const truth = await autodiffSqNorms(params, cfg, batch, 2, trainable);
      const got = async (label: string) => [...(await breakdown.sqNorms.get(label)!.data())];
      for (const [name, expected] of truth) {
        // The tied wte's norm is split: embedding term + head term + cross term.
        const parts =
          name === 'wte.weight' ? ['wte.weight', 'lm_head (tied wte)', 'tied cross term'] : [name];
        const values = await Promise.all(parts.map(got));
        const sum = expected.map((_, i) => values.reduce((a, v) => a + v[i], 0));
        sum.forEach((x, i) => {
          expect(Math.abs(x - expected[i]), `${name} example ${i}`).toBeLessThanOrEqual(
            1e-4 * Math.max(1, expected[i]),
          );
        });
      }
      const methods = breakdown.methods;
      const expectWeight: NormMethod[] =
        reduction === 'fusedKernels' ? ['kernel:ghost', 'kernel:direct'] : ['perExample', 'ghostLooped'];
      expect(expectWeight).toContain(methods.get('h.0.mlp.c_fc.weight'));
      expect(methods.get('h.0.mlp.c_fc.bias')).toBe(
        reduction === 'fusedKernels' ? 'kernel:bias' : 'perExample',
      );
      expect(methods.get('tied cross term')).toBe(
        reduction === 'fusedKernels' ? 'kernel:tiedCross' : 'looped:tiedCrossOneHot',
      );
      expect(methods.get('wpe.weight')).toBe(
        reduction === 'fusedKernels' ? 'kernel:embedding' : 'windowSums',
      );
      // L = 12, V = 17: L^2 < 16 V, so the wasm loops weigh Gram matrices for the token embedding.
      expect(methods.get('wte.weight')).toBe(
        reduction === 'fusedKernels' ? 'kernel:embedding' : 'looped:embedding',
      );
      dispose(fast);
      tf.dispose([...breakdown.sqNorms.values(), batch.inputs, batch.targets, batch.mask]);
      disposeParams(params);
    });
  }

  it('matches autodiff per term with the direct token-embedding gradients (K = 3, L^2 >= 16 V), both head layouts', async () => {
    for (const [nEmbd, budget, cross] of [
      [8, undefined, 'direct:tiedCross'],
      [32, undefined, 'direct:tiedCross'],
      [8, 0, 'looped:tiedCrossOneHot'],
    ] as const) {
      const cfg = tinyConfig({ vocabSize: V, contextLength: T, nLayer: 1, nHead: 2, nEmbd });
      const { params } = randomWeights(cfg, 37, 0.3);
      const batch = makeBatch([full(63), repeated, padded, full(64), full(65), repeated], T);
      const fast = clippedGradientsFast(params, cfg, batch, {
        windowsPerExample: 3,
        recordNormBreakdown: true,
        ...(budget === undefined ? {} : { perExampleBudgetBytes: budget }),
      });
      const breakdown = fast.breakdown!;
      const methods = breakdown.methods;
      expect(methods.get('wte.weight')).toBe('direct:embedding');
      expect(methods.get('tied cross term')).toBe(cross);
      expect(methods.get('lm_head (tied wte)')).toBe(budget === 0 ? 'ghostLooped' : 'perExample');
      expect(methods.get('wpe.weight')).toBe('windowSums');
      const truth = await autodiffSqNorms(params, cfg, batch, 3, trainableNames(params, cfg, 'train'));
      const got = async (label: string) => [...(await breakdown.sqNorms.get(label)!.data())];
      for (const [name, expected] of truth) {
        const parts =
          name === 'wte.weight' ? ['wte.weight', 'lm_head (tied wte)', 'tied cross term'] : [name];
        const values = await Promise.all(parts.map(got));
        expected.forEach((x, i) => {
          const sum = values.reduce((a, v) => a + v[i], 0);
          expect(Math.abs(sum - x), `${name} example ${i}, width ${nEmbd}`).toBeLessThanOrEqual(
            1e-4 * Math.max(1, x),
          );
        });
      }
      dispose(fast);
      tf.dispose([...breakdown.sqNorms.values(), batch.inputs, batch.targets, batch.mask]);
      disposeParams(params);
    }
  });

  it('the wasm loops read the tied cross term by one-hot matmul for small vocabularies, by gather above', () => {
    for (const [vocab, method] of [
      [V, 'looped:tiedCrossOneHot'],
      [600, 'looped:tiedCross'],
    ] as const) {
      const cfg = tinyConfig({ vocabSize: vocab, contextLength: T, nLayer: 1, nHead: 2, nEmbd: 8 });
      const { params } = randomWeights(cfg, 36, 0.3);
      const batch = makeBatch([{ ids: randomIds(T + 1, vocab, 42), real: T }], T);
      const r = clippedGradientsFast(params, cfg, batch, { recordNormBreakdown: true });
      expect(r.breakdown!.methods.get('tied cross term')).toBe(method);
      tf.dispose([...r.breakdown!.sqNorms.values(), batch.inputs, batch.targets, batch.mask]);
      dispose(r);
      disposeParams(params);
    }
  });

  it("'auto' resolves to the wasm loops on wasm", () => {
    const cfg = tinyConfig({ vocabSize: V, contextLength: T, nLayer: 1 });
    const { params } = randomWeights(cfg, 35, 0.3);
    const batch = makeBatch([full(62)], T);
    const r = clippedGradientsFast(params, cfg, batch);
    expect(r.strategy).toBe('perExampleLoops');
    expect(r.breakdown).toBeUndefined();
    dispose(r);
    tf.dispose([batch.inputs, batch.targets, batch.mask]);
    disposeParams(params);
  });
});

/** Each example's column sums by a plain loop in float64: the independent truth. */
function rowSumsByLoop(values: Float32Array, examples: number, width: number): number[] {
  const rows = values.length / width / examples;
  const out = new Array<number>(examples * width).fill(0);
  for (let e = 0; e < examples; e++)
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < width; j++) out[e * width + j] += values[(e * rows + r) * width + j];
  return out;
}

describe('sumRowsPerExample', () => {
  it('keeps a non-finite example to itself: the other examples sum as a plain loop does', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const values = tf.randomNormal([6 * 4, 3], 0, 1, 'float32', 9).dataSync() as Float32Array;
      values[2 * 4 * 3 + 5] = bad; // example 2, row 1, column 2
      const x = tf.tensor2d(values, [24, 3]);
      const sums = sumRowsPerExample(x, 6).dataSync();
      const truth = rowSumsByLoop(values, 6, 3);
      for (let i = 0; i < sums.length; i++) {
        if (Math.floor(i / 3) === 2 && i % 3 === 2) expect(Number.isFinite(sums[i])).toBe(false);
        else expect(sums[i]).toBeCloseTo(truth[i], 5);
      }
      x.dispose();
    }
  });

  for (const [examples, rows, width] of [
    [1, 5, 3],
    [8, 128, 16],
    [16, 4, 7],
    [37, 3, 5],
  ]) {
    it(`equals a plain loop for ${examples} examples of ${rows} rows`, () => {
      const x = tf.randomNormal([examples * rows, width], 0, 1, 'float32', 7) as tf.Tensor2D;
      const sums = sumRowsPerExample(x, examples);
      expect(sums.shape).toEqual([examples, width]);
      const truth = rowSumsByLoop(x.dataSync() as Float32Array, examples, width);
      const a = sums.dataSync();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(truth[i], 4);
      tf.dispose([x, sums]);
    });
  }
});
