/**
 * API behaviour of src/kernels beyond numerical agreement: the ghost/direct chooser, clear errors
 * on bad input (before anything is dispatched), and no leaked tensors or GPU intermediates.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  accumulateClippedWeight,
  applyNoisyAdamW,
  biasNormSq,
  chooseLinearNormMethod,
  clippedBiasSum,
  clippedWeightSum,
  directNormSq,
  embeddingNormSq,
  ghostNormSq,
  linearNormCosts,
  type NoisyAdamWConfig,
  noisyAdamW,
  tiedCrossSum,
} from '../../src/kernels';
import { initBackend } from '../../src/model/backend';

const cfg: NoisyAdamWConfig = {
  seed: { key: [1, 2], stream: [3, 4] },
  noiseStd: 1,
  expectedBatchSize: 8,
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0.01,
  step: 1,
};

describe('chooser', () => {
  it('picks ghost exactly when L^2 (d + p) < L d p', () => {
    expect(chooseLinearNormMethod(10, 64, 64)).toBe('ghost'); // threshold d p / (d + p) = 32
    expect(chooseLinearNormMethod(31, 64, 64)).toBe('ghost');
    expect(chooseLinearNormMethod(32, 64, 64)).toBe('direct'); // equal costs
    expect(chooseLinearNormMethod(33, 64, 64)).toBe('direct');
    expect(chooseLinearNormMethod(614, 768, 3072)).toBe('ghost'); // threshold 614.4
    expect(chooseLinearNormMethod(615, 768, 3072)).toBe('direct');
    expect(linearNormCosts(128, 768, 3072)).toEqual({ ghost: 128 * 128 * 3840, direct: 128 * 768 * 3072 });
  });
});

describe('input errors', () => {
  it('selects wasm', async () => {
    expect((await initBackend({ override: 'wasm' })).backend).toBe('wasm');
  });
  it('rejects mismatched or mistyped inputs with specific messages', () => {
    const a = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    const g = tf.zeros([2, 3, 5]) as tf.Tensor3D;
    const gOther = tf.zeros([2, 4, 5]) as tf.Tensor3D;
    const ids = tf.zeros([2, 3], 'int32') as tf.Tensor2D;
    const c = tf.ones([3]) as tf.Tensor1D;
    expect(() => ghostNormSq(a, gOther)).toThrow(/ghostNormSq: A \[2, 3, 4\] and G \[2, 4, 5\] must share/);
    expect(() => directNormSq(tf.zeros([2, 3]) as unknown as tf.Tensor3D, g)).toThrow(/A must have rank 3/);
    expect(() => biasNormSq(tf.zeros([2, 0, 5]) as tf.Tensor3D)).toThrow(/empty dimension/);
    expect(() => embeddingNormSq(tf.zeros([2, 3]) as tf.Tensor2D, a)).toThrow(/ids must be int32/);
    expect(() => tiedCrossSum(tf.zeros([2, 3, 7]) as tf.Tensor3D, a, g, ids)).toThrow(/same width/);
    expect(() => clippedWeightSum(a, g, c)).toThrow(/c has 3 clip factors for 2 examples/);
    expect(() => clippedBiasSum(g, tf.ones([2]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D)).toThrow(
      /accumulator has shape \[4\], expected \[5\]/,
    );
    tf.dispose([a, g, gOther, ids, c]);
  });
  it('rejects bad noisy AdamW configurations', () => {
    const x = tf.zeros([4]);
    const state = { theta: x, m: x, v: x };
    expect(() => noisyAdamW(state, x, { ...cfg, step: 0 })).toThrow(/step must be an integer >= 1/);
    expect(() => noisyAdamW(state, x, { ...cfg, seed: { key: [1, -1], stream: [0, 0] } })).toThrow(
      /seed must be/,
    );
    expect(() => noisyAdamW(state, x, { ...cfg, beta2: 1 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => noisyAdamW(state, x, { ...cfg, expectedBatchSize: 0 })).toThrow(/expectedBatchSize must be/);
    expect(() => noisyAdamW(state, tf.zeros([5]), cfg)).toThrow(/S has shape \[5\], theta has \[4\]/);
    x.dispose();
  });
});

describe('no leaks on webgpu', () => {
  it('selects webgpu', async () => {
    expect((await initBackend({ override: 'webgpu' })).backend).toBe('webgpu');
  });
  it('frees every intermediate of every kernel', async () => {
    const a = tf.randomUniform([3, 40, 70]) as tf.Tensor3D;
    const g = tf.randomUniform([3, 40, 20]) as tf.Tensor3D;
    const gl = tf.randomUniform([3, 40, 9]) as tf.Tensor3D;
    const ids = tf.randomUniform([3, 40], 0, 9, 'int32') as tf.Tensor2D;
    const c = tf.ones([3]) as tf.Tensor1D;
    // Made in tidy: the initial values are freed, so each variable owns its buffer.
    const acc = tf.tidy(() => tf.variable(tf.zeros([70, 20])));
    const p = tf.tidy(() => tf.variable(tf.ones([1000])));
    const m = tf.tidy(() => tf.variable(tf.zeros([1000])));
    const v = tf.tidy(() => tf.variable(tf.zeros([1000])));
    const s = tf.ones([1000]);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const run = async () => {
      const outs = [
        ghostNormSq(a, g),
        directNormSq(a, g),
        biasNormSq(g),
        embeddingNormSq(ids, a),
        tiedCrossSum(gl, a, a, ids),
        clippedWeightSum(a, g, c),
        clippedBiasSum(g, c),
        ...Object.values(noisyAdamW({ theta: p, m, v }, s, cfg)),
      ];
      expect(accumulateClippedWeight(acc, a, g, c)).toBe(true);
      expect(applyNoisyAdamW({ theta: p, m, v }, s, cfg)).toBe(true);
      for (const t of outs) await t.data();
      tf.dispose(outs);
    };
    await run(); // compiles the pipelines and fills the caches first
    const tensors = tf.memory().numTensors;
    const dataIds = backend.numDataIds();
    await run();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(dataIds);
    tf.dispose([a, g, gl, ids, c, acc, p, m, v, s]);
  });
});
