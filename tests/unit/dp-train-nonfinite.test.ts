/**
 * A DP step after which the model is NaN/Inf must stop training before any checkpoint of that step
 * is written (as train-loop.ts does for a non-finite loss): the app then reports "diverged" and the
 * user resumes from the last checkpoint. A non-finite gradient of single documents does not stop
 * the run (dp-nonfinite-documents.test.ts); a broken model does.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeParams } from '../../src/model/params';
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
  it('throws "training diverged" when the model is non-finite after the update, writes no checkpoint', async () => {
    const { params } = randomWeights(cfg, 3);
    // One NaN in the final LayerNorm's gain makes every logit, hence every loss, NaN.
    const gain = params.get('ln_f.weight')!;
    const poisoned = gain.arraySync() as number[];
    poisoned[0] = Number.NaN;
    gain.assign(tf.tensor(poisoned));
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
    ).rejects.toThrow(/training diverged: the model is non-finite after the noisy update of DP step 1/);
    expect(saved).toBe(0);
    // The optimizer's moments are the only tensors allowed to outlive the failed step.
    expect(tf.memory().numTensors - tensorsBefore).toBeLessThanOrEqual(2 * params.size + 2);
    disposeParams(params);
  });
});
