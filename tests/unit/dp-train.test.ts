import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeEpsilon, defaultDelta } from '../../src/dp/accounting/index';
import { disposeParams, paramsToArrays } from '../../src/model/params';
import { insecureFixedSeedNoiseSource, philoxFillNormal } from '../../src/random/noise';
import { allPhases, planPrivacy } from '../../src/train/dp-plan';
import { trainWithDP } from '../../src/train/dp-train';
import { noisyAverage } from '../../src/train/noisy-update';
import { useWasm } from './helpers/backend';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

const cfg = tinyConfig({ vocabSize: 13, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 8 });

/** N documents of 1-3 windows of a repeated pattern, easy to learn. */
function corpus(n: number): number[][][] {
  return Array.from({ length: n }, (_, d) => {
    const len = 6 + (d % 3) * 8;
    const toks = Array.from({ length: len }, (_, i) => (i % 4) + 1);
    const windows: number[][] = [];
    for (let s = 0; s + 1 < toks.length; s += 8) windows.push(toks.slice(s, s + 9));
    return windows;
  });
}

describe('privacy plan', () => {
  it('calibrates sigma to the target, with delta = 1/N^1.1 by default, and composes prior phases', () => {
    const plan = planPrivacy(500, { targetEpsilon: 2, expectedBatchSize: 50, epochs: 2 });
    expect(plan.q).toBeCloseTo(0.1, 12);
    expect(plan.steps).toBe(20);
    expect(plan.delta).toBeCloseTo(defaultDelta(500), 15);
    expect(plan.delta).toBeCloseTo(500 ** -1.1, 15);
    expect(plan.epsilon).toBeLessThanOrEqual(2);
    expect(plan.epsilon).toBeGreaterThan(1.98);
    expect(plan.epsilon).toBeCloseTo(
      computeEpsilon([{ q: 0.1, sigma: plan.sigma, steps: 20 }], plan.delta),
      12,
    );
    const withPrior = planPrivacy(500, { targetEpsilon: 2, expectedBatchSize: 50, epochs: 2 }, [
      { q: 1, sigma: 8, steps: 1 },
    ]);
    expect(withPrior.sigma).toBeGreaterThan(plan.sigma);
    expect(withPrior.epsilon).toBeLessThanOrEqual(2);
    expect(plan.secureRandomness).toBe(true);
    expect(planPrivacy(500, { delta: 0.01 }).warnings.join(' ')).toMatch(/delta/);
  });

  it('refuses targets no sigma below 1000 reaches', () => {
    expect(() => planPrivacy(1000, { targetEpsilon: 1e-3, expectedBatchSize: 1000, epochs: 100000 })).toThrow(
      /1000/,
    );
  });
});

describe('noisy average', () => {
  it('adds std * (the seed stream) and divides by the expected batch size', async () => {
    const { params } = randomWeights(cfg, 1);
    const names = ['h.0.mlp.c_fc.weight', 'ln_f.bias'];
    const sums = new Map(names.map((n) => [n, tf.onesLike(params.get(n)!)]));
    const source = insecureFixedSeedNoiseSource(7);
    const out = noisyAverage(sums, names, params, 3, 4, source);
    const seed = insecureFixedSeedNoiseSource(7).nextSeed();
    let offset = 0;
    for (const n of names) {
      const size = params.get(n)!.size;
      const noise = new Float32Array(size);
      philoxFillNormal(noise, 3, seed, offset);
      offset += size;
      const got = await out.get(n)!.data();
      for (let i = 0; i < size; i++) expect(got[i]).toBeCloseTo((1 + noise[i]) / 4, 5);
    }
    disposeParams(params);
  });
});

describe('DP-SGD training loop', () => {
  it('learns, reports a non-decreasing epsilon that ends at the plan value, and resumes exactly', async () => {
    const docs = corpus(40);
    const training = {
      expectedBatchSize: 10,
      epochs: 2,
      microBatchSize: 4,
      noiseMultiplier: 0.5,
      clipNorm: 1,
      schedule: { peak: 1e-2 },
      insecureFixedSeedForTestsOnly: 11,
    };
    const plan = planPrivacy(docs.length, training);
    expect(plan.secureRandomness).toBe(false);
    expect(plan.steps).toBe(8);
    const { params } = randomWeights(cfg, 2, 0.1);
    const losses: number[] = [];
    const eps: number[] = [];
    let stopAfter = 3;
    const first = await trainWithDP({
      params,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      hooks: {
        epsilonEvery: 1,
        shouldStop: () => stopAfter-- <= 0,
        onStep: (r) => {
          losses.push(r.loss);
          eps.push(r.epsilon);
        },
      },
    });
    expect(first.completed).toBe(false);
    expect(first.state.step).toBe(3);
    const second = await trainWithDP({
      params,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      resume: first.state,
      hooks: {
        epsilonEvery: 1,
        onStep: (r) => {
          losses.push(r.loss);
          eps.push(r.epsilon);
        },
      },
    });
    expect(second.completed).toBe(true);
    expect(eps).toHaveLength(8);
    for (let i = 1; i < eps.length; i++) expect(eps[i]).toBeGreaterThanOrEqual(eps[i - 1]);
    expect(second.state.epsilonHistory.map((h) => h.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(second.epsilon).toBeCloseTo(plan.epsilon, 10);
    expect(second.epsilon).toBeCloseTo(computeEpsilon(allPhases(plan), plan.delta), 10);
    const early = losses.slice(0, 2).filter(Number.isFinite);
    const late = losses.slice(-2).filter(Number.isFinite);
    expect(late.reduce((a, b) => a + b) / late.length).toBeLessThan(
      early.reduce((a, b) => a + b) / early.length,
    );
    disposeParams(params);
  });

  it('abortStep between micro-batches abandons the step in progress: the state is the last whole step', async () => {
    const docs = corpus(40);
    const training = {
      expectedBatchSize: 20,
      epochs: 2,
      microBatchSize: 4,
      noiseMultiplier: 0.5,
      clipNorm: 1,
      schedule: { peak: 1e-2 },
      insecureFixedSeedForTestsOnly: 5,
    };
    const plan = planPrivacy(docs.length, training);
    // Reference: stopped before step 3 starts.
    const ref = randomWeights(cfg, 2, 0.1).params;
    let before = 2;
    const stopped = await trainWithDP({
      params: ref,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      hooks: { shouldStop: () => before-- <= 0 },
    });
    expect(stopped.state.step).toBe(2);
    // Aborted in the middle of step 3 (after its second micro-batch).
    const params = randomWeights(cfg, 2, 0.1).params;
    const progress: number[] = [];
    let abortNow = false;
    const aborted = await trainWithDP({
      params,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      hooks: {
        abortStep: () => abortNow,
        onProgress: (steps) => {
          progress.push(steps);
          if (steps > 2 && progress.filter((p) => p > 2).length === 2) abortNow = true;
        },
      },
    });
    expect(aborted.completed).toBe(false);
    expect(aborted.state.step).toBe(2);
    expect(aborted.state.epsilonHistory.at(-1)?.step).toBe(2);
    // Progress moves within steps: fractions of step 1, 2 and 3, increasing.
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
    expect(progress.at(-1)).toBeGreaterThan(2);
    expect(progress.at(-1)).toBeLessThan(3);
    // Nothing of the abandoned step was applied: the same weights as stopping before it.
    const a = await paramsToArrays(params);
    const b = await paramsToArrays(ref);
    for (const [name, values] of a) expect(Array.from(values), name).toEqual(Array.from(b.get(name)!));
    disposeParams(params);
    disposeParams(ref);
  });

  /** q = 5e-6 over 2,000 documents for 4 steps: no document is ever sampled, every step is noise alone. */
  const nothingSampled = (seed: number) => ({
    expectedBatchSize: 0.01,
    epochs: 0.00002,
    noiseMultiplier: 1,
    insecureFixedSeedForTestsOnly: seed,
    schedule: { peak: 1e-2 },
  });

  it('a step with an empty Poisson sample still adds noise and updates the model', async () => {
    const docs = corpus(2000);
    const training = nothingSampled(3);
    const plan = planPrivacy(docs.length, training);
    expect(plan.steps).toBe(4);
    const { params } = randomWeights(cfg, 4, 0.1);
    const before = await paramsToArrays(params);
    const sampled: number[] = [];
    await trainWithDP({
      params,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      hooks: { onStep: (r) => void sampled.push(r.sampledDocuments) },
    });
    expect(sampled.every((n) => n === 0)).toBe(true);
    const after = await paramsToArrays(params);
    const w = 'h.0.attn.c_attn.weight';
    expect(after.get(w)!.some((v, i) => v !== before.get(w)![i])).toBe(true);
    disposeParams(params);
  });

  it('a part of the plan (partOfPlan): any size up to N, and nothing of its size enters the update', async () => {
    const docs = corpus(2000);
    const training = nothingSampled(5);
    const plan = planPrivacy(docs.length, training);
    const run = async (windows: number[][][], partOfPlan?: boolean) => {
      const { params } = randomWeights(cfg, 6, 0.1);
      const sampled: number[] = [];
      await trainWithDP({
        params,
        config: cfg,
        documentWindows: windows,
        padId: 0,
        plan,
        training,
        partOfPlan,
        hooks: { onStep: (r) => void sampled.push(r.sampledDocuments) },
      });
      const out = await paramsToArrays(params);
      disposeParams(params);
      return { out, sampled };
    };
    await expect(run(docs.slice(0, 500))).rejects.toThrow(/plan is for 2000 documents but 500 were given/);
    await expect(run(corpus(2001), true)).rejects.toThrow(/2001 were given as a part of them/);
    // With nothing sampled (q = 5e-6) a step is noise / (q N): the same for parts of 500 and 1,300
    // documents and for the whole set, so the part's size (private) does not reach the model.
    const whole = await run(docs);
    for (const size of [500, 1300]) {
      const part = await run(docs.slice(0, size), true);
      expect(part.sampled.every((n) => n === 0)).toBe(true);
      for (const [name, values] of whole.out) expect(part.out.get(name)).toEqual(values);
    }
  });

  it('keeps a steady tensor count across steps (no leak)', async () => {
    const docs = corpus(20);
    const training = {
      expectedBatchSize: 5,
      epochs: 1,
      microBatchSize: 4,
      noiseMultiplier: 1,
      insecureFixedSeedForTestsOnly: 5,
    };
    const plan = planPrivacy(docs.length, training);
    const { params } = randomWeights(cfg, 5, 0.1);
    const counts: number[] = [];
    await trainWithDP({
      params,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      hooks: { onStep: () => void counts.push(tf.memory().numTensors) },
    });
    expect(counts.slice(1), JSON.stringify(counts)).toEqual(counts.slice(1).map(() => counts[1]));
    disposeParams(params);
    void randomIds;
  });
});
