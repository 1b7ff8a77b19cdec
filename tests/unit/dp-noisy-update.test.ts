/**
 * applyNoisySums (train/noisy-update.ts: the fused noise + AdamW update; on wasm the kernel's
 * TF.js twin) against the separate path trainWithDP uses off webgpu: noisyAverage (CPU Philox noise, one seed, offsets
 * in parameter order, divided by the expected batch size) then AdamW.applyGradients. The webgpu
 * kernel itself is compared with that path in tests/kernels/dp-step.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, isDecayed, type Params, paramsToArrays } from '../../src/model/params';
import { insecureFixedSeedNoiseSource, philoxFillNormal } from '../../src/random/noise';
import { applyNoisyStep, applyNoisySums, noisyAverage, noisyUpdateMode } from '../../src/train/noisy-update';
import { AdamW, type AdamWConfig } from '../../src/train/optimizer';
import { maxAbsDiff } from './helpers/arrays';
import { useWasm } from './helpers/backend';
import { randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

const cfg = tinyConfig({ vocabSize: 11, contextLength: 4, nLayer: 1, nHead: 2, nEmbd: 8 });
const adam: Partial<AdamWConfig> = {
  schedule: { peak: 1e-2, warmupSteps: 2, decay: 'constant' },
  weightDecay: 0.1,
};

function sumsFor(params: Params, names: string[], seed: number): Map<string, tf.Tensor> {
  return new Map(names.map((n, j) => [n, tf.randomNormal(params.get(n)!.shape, 0, 2, 'float32', seed + j)]));
}

describe('fused noisy AdamW update (twin on wasm) equals CPU noise + AdamW', () => {
  it('matches over three steps, with a parameter that has no sum', async () => {
    const fusedParams = randomWeights(cfg, 3, 0.2).params;
    const plainParams = randomWeights(cfg, 3, 0.2).params;
    const names = [...fusedParams.keys()];
    const fused = new AdamW(fusedParams, adam);
    const plain = new AdamW(plainParams, adam);
    const fusedSource = insecureFixedSeedNoiseSource(21);
    const plainSource = insecureFixedSeedNoiseSource(21);
    for (let step = 0; step < 3; step++) {
      // ln_f.bias gets no sum: pure noise, as for an empty Poisson sample.
      const sums = sumsFor(fusedParams, names, 100 * step);
      sums.get('ln_f.bias')!.dispose();
      sums.delete('ln_f.bias');
      const report = applyNoisySums(fused, sums, {
        seed: fusedSource.nextSeed(),
        noiseStd: 1.5,
        expectedBatchSize: 7,
      });
      const grads = noisyAverage(sums, names, plainParams, 1.5, 7, plainSource);
      const lr = plain.applyGradients(grads);
      expect(report.learningRate).toBe(lr);
      expect(report.updatedInPlace).toBe(0); // in place only on webgpu
      tf.dispose([...sums.values(), ...grads.values()]);
    }
    const diff = await maxAbsDiff(await paramsToArrays(fusedParams), await paramsToArrays(plainParams));
    expect(diff).toBeLessThanOrEqual(1e-7);
    const [fusedState, plainState] = [await fused.exportState(), await plain.exportState()];
    expect(fusedState.step).toBe(3);
    let momentDiff = 0;
    for (const [name, { m, v }] of plainState.moments) {
      const f = fusedState.moments.get(name)!;
      for (let i = 0; i < m.length; i++)
        momentDiff = Math.max(momentDiff, Math.abs(m[i] - f.m[i]), Math.abs(v[i] - f.v[i]));
    }
    expect(momentDiff).toBeLessThanOrEqual(1e-7);
    fused.dispose();
    plain.dispose();
    disposeParams(fusedParams);
    disposeParams(plainParams);
  });

  it('uses one seed with offsets in parameter order and decays only where isDecayed', async () => {
    const { params } = randomWeights(cfg, 4, 0.2);
    const names = ['h.0.mlp.c_fc.weight', 'h.0.mlp.c_fc.bias'];
    const sub: Params = new Map(names.map((n) => [n, params.get(n)!]));
    const before = await paramsToArrays(sub);
    const opt = new AdamW(sub, { schedule: { peak: 0.1 }, weightDecay: 0.5, beta1: 0, beta2: 0 });
    const seed = { key: [7, 8] as [number, number], stream: [9, 10] as [number, number] };
    const zeroSums = new Map(names.map((n) => [n, tf.zerosLike(sub.get(n)!)]));
    applyNoisySums(opt, zeroSums, { seed, noiseStd: 2, expectedBatchSize: 4 });
    const after = await paramsToArrays(sub);
    // beta1 = beta2 = 0, step 1: update = lr * g / (|g| + eps) = lr * sign(g); g = 2 z / 4.
    let offset = 0;
    for (const n of names) {
      const size = sub.get(n)!.size;
      const z = new Float32Array(size);
      philoxFillNormal(z, 1, seed, offset);
      offset += size;
      const decay = isDecayed(n) ? 0.1 * 0.5 : 0;
      const p0 = before.get(n)!;
      const p1 = after.get(n)!;
      for (let i = 0; i < size; i++) {
        const g = (2 * z[i]) / 4;
        const expected = p0[i] - (0.1 * g) / (Math.abs(g) + 1e-8) - p0[i] * decay;
        expect(Math.abs(p1[i] - expected)).toBeLessThanOrEqual(1e-6);
      }
    }
    tf.dispose([...zeroSums.values()]);
    opt.dispose();
    disposeParams(params);
  });

  it('rejects unknown or mis-shaped sums before changing any parameter', async () => {
    const { params } = randomWeights(cfg, 5, 0.2);
    const opt = new AdamW(params, adam);
    const before = await paramsToArrays(params);
    const seed = { key: [1, 2] as [number, number], stream: [3, 4] as [number, number] };
    const noise = { seed, noiseStd: 1, expectedBatchSize: 2 };
    const unknown = new Map([['nope.weight', tf.zeros([2])]]);
    expect(() => applyNoisySums(opt, unknown, noise)).toThrow(/unknown parameters \[nope.weight\]/);
    const wrong = new Map([
      ['wte.weight', tf.zeros(params.get('wte.weight')!.shape)],
      ['ln_f.bias', tf.zeros([3])],
    ]);
    expect(() => applyNoisySums(opt, wrong, noise)).toThrow(/sum ln_f.bias: shape \[3\] differs/);
    expect(() => applyNoisySums(opt, new Map(), { ...noise, expectedBatchSize: 0 })).toThrow(
      /expectedBatchSize must be finite and > 0/,
    );
    expect(await maxAbsDiff(await paramsToArrays(params), before)).toBe(0);
    expect(opt.step).toBe(0);
    tf.dispose([...unknown.values(), ...wrong.values()]);
    opt.dispose();
    disposeParams(params);
  });

  it('trainWithDP picks CPU noise off webgpu; forcing the fused mode gives the same step', async () => {
    expect(noisyUpdateMode(insecureFixedSeedNoiseSource(1))).toBe('cpu-noise');
    const a = randomWeights(cfg, 6, 0.2).params;
    const b = randomWeights(cfg, 6, 0.2).params;
    const names = [...a.keys()];
    const [optA, optB] = [new AdamW(a, adam), new AdamW(b, adam)];
    const sums = sumsFor(a, names, 7);
    const noise = (seed: number) => ({
      std: 0.7,
      expectedBatchSize: 3,
      source: insecureFixedSeedNoiseSource(seed),
    });
    applyNoisyStep(optA, sums, names, a, noise(9), 'cpu-noise');
    applyNoisyStep(optB, sums, names, b, noise(9), 'fused-webgpu');
    expect(await maxAbsDiff(await paramsToArrays(a), await paramsToArrays(b))).toBeLessThanOrEqual(1e-7);
    tf.dispose([...sums.values()]);
    optA.dispose();
    optB.dispose();
    disposeParams(a);
    disposeParams(b);
  });
});
