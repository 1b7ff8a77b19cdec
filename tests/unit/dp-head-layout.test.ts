/**
 * The LM head's clipped sum comes out in the parameter's (V, d) layout on every path of the wasm
 * strategy: ghost norm with a deferred (A, G) (a vocabulary wider than the cost rule's threshold,
 * or no per-example budget) and direct per-example gradients. Checked against the naive oracle,
 * tied and untied; also the plain autodiff gradient of the new head op against TF.js' own.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clippedGradientsFast } from '../../src/dp/clipping';
import { clippedGradientsNaive } from '../../src/dp/oracle';
import { chooseLinearNormMethod } from '../../src/kernels';
import { lmHeadLogits } from '../../src/model/ops';
import { disposeParams } from '../../src/model/params';
import { useWasm } from './helpers/backend';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

async function relErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const diff = (await tf.norm(tf.sub(a, b)).data())[0];
  return diff / (await tf.norm(b).data())[0];
}

describe('LM head clipped sums in (V, d) layout', () => {
  const cases = [
    { name: 'tied, ghost head (V 40 > threshold)', tie: true, t: 4, budget: undefined },
    { name: 'untied, ghost head', tie: false, t: 4, budget: undefined },
    { name: 'tied, deferred everything (no budget)', tie: true, t: 8, budget: 0 },
    { name: 'untied, direct head', tie: false, t: 8, budget: undefined },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const cfg = tinyConfig({ vocabSize: 40, contextLength: c.t, nEmbd: 8, tieEmbeddings: c.tie });
      const ghost = chooseLinearNormMethod(c.t, 8, 40) === 'ghost';
      expect(ghost).toBe(c.t === 4);
      const { params } = randomWeights(cfg, 7, 0.3);
      const rows = 3;
      const ids = Array.from({ length: rows }, (_, r) => randomIds(c.t + 1, 40, 11 + r));
      const batch = {
        inputs: tf.tensor2d(
          ids.map((r) => r.slice(0, c.t)),
          [rows, c.t],
          'int32',
        ),
        targets: tf.tensor2d(
          ids.map((r) => r.slice(1)),
          [rows, c.t],
          'int32',
        ),
        mask: tf.ones([rows, c.t]) as tf.Tensor2D,
      };
      const opts = { clipNorm: 0.5, ...(c.budget === undefined ? {} : { perExampleBudgetBytes: c.budget }) };
      const fast = clippedGradientsFast(params, cfg, batch, { ...opts, reduction: 'perExampleLoops' });
      const naive = clippedGradientsNaive(params, cfg, batch, opts);
      for (const name of c.tie ? ['wte.weight'] : ['wte.weight', 'lm_head.weight']) {
        expect(fast.clippedSum.get(name)!.shape).toEqual([40, 8]);
        expect(await relErr(fast.clippedSum.get(name)!, naive.clippedSum.get(name)!), name).toBeLessThan(
          1e-4,
        );
      }
      expect(await relErr(fast.norms, naive.norms)).toBeLessThan(1e-4);
      for (const r of [fast, naive]) tf.dispose([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
      tf.dispose([batch.inputs, batch.targets, batch.mask]);
      disposeParams(params);
    });
  }
});

describe('lmHeadLogits', () => {
  it('equals h @ W^T, and its gradients equal TF.js autodiff of that', async () => {
    const h = tf.randomNormal([5, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([7, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const probe = tf.randomNormal([5, 7], 0, 1, 'float32', 3);
    const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(lmHeadLogits(a as tf.Tensor2D, b as tf.Tensor2D), probe)),
    )([h, w]);
    const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true), probe)),
    )([h, w]);
    expect(await relErr(lmHeadLogits(h, w), tf.matMul(h, w, false, true))).toBeLessThan(1e-6);
    expect(await relErr(ours[0], ref[0])).toBeLessThan(1e-6);
    expect(await relErr(ours[1], ref[1])).toBeLessThan(1e-6);
    // Without the weight gradient only h is differentiated.
    const [dh] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(lmHeadLogits(a as tf.Tensor2D, w, false), probe)))([
      h,
    ]);
    expect(await relErr(dh, ref[0])).toBeLessThan(1e-6);
  });
});
