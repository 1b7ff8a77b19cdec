/**
 * A DP step whose loss is NaN/Inf must stop training before the update (as train-loop.ts does), so
 * the weights and the last checkpoint stay as they were: the app then reports "diverged" and the
 * user resumes from the checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, paramsToArrays } from '../../src/model/params';
import { planPrivacy } from '../../src/train/dp-plan';
import { trainWithDP } from '../../src/train/dp-train';
import { useWasm } from './helpers/backend';
import { randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

const cfg = tinyConfig({ vocabSize: 13, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
const documents = Array.from({ length: 12 }, (_, d) => [
  Array.from({ length: 9 }, (_, i) => ((i + d) % 12) + 1),
]);

describe('DP training on a non-finite loss', () => {
  it('throws "training diverged" before updating, writes no checkpoint, leaks no tensor', async () => {
    const { params } = randomWeights(cfg, 3);
    // One NaN in the final LayerNorm's gain makes every logit, hence every loss, NaN.
    const gain = params.get('ln_f.weight')!;
    const poisoned = gain.arraySync() as number[];
    poisoned[0] = Number.NaN;
    gain.assign(tf.tensor(poisoned));
    const before = await paramsToArrays(params);
    const tensorsBefore = tf.memory().numTensors;
    const plan = planPrivacy(documents.length, {
      targetEpsilon: 5,
      expectedBatchSize: 12,
      epochs: 3,
      insecureFixedSeedForTestsOnly: 1,
    });
    let saved = 0;
    await expect(
      trainWithDP({
        params,
        config: cfg,
        documentWindows: documents,
        padId: 0,
        plan,
        training: { microBatchSize: 4, insecureFixedSeedForTestsOnly: 1 },
        hooks: { checkpoint: { every: 1, save: async () => void saved++ } },
      }),
    ).rejects.toThrow(/training diverged: loss is NaN at DP step 1/);
    expect(saved).toBe(0);
    const after = await paramsToArrays(params);
    for (const [name, data] of before) {
      // Object.is treats NaN as equal to NaN: the poisoned gain is unchanged too.
      expect(
        [...after.get(name)!].every((v, i) => Object.is(v, data[i])),
        name,
      ).toBe(true);
    }
    // The optimizer's moments are the only tensors allowed to outlive the failed step.
    expect(tf.memory().numTensors - tensorsBefore).toBeLessThanOrEqual(2 * params.size + 2);
    disposeParams(params);
  });
});
