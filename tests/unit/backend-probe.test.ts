import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PRESETS } from '../../src/model/presets';
import { probeDPStepMs, probeLabel } from '../../src/train/backend-probe';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

describe('backend probe', () => {
  it('times one DP step of the model on the current backend and leaves no tensor behind', async () => {
    const tiny = MODEL_PRESETS.tiny.config;
    await probeDPStepMs(tiny); // the first run caches the causal mask (src/model/ops.ts)
    const before = tf.memory().numTensors;
    const ms = await probeDPStepMs(tiny);
    expect(ms).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(probeLabel('tiny', tiny)).toBe('tiny (2 x 32, vocabulary 258), 2 examples');
  });
});
