import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/model/config';
import type { TokenBatch } from '../../src/model/losses';
import { disposeParams, initParams } from '../../src/model/params';
import { lmGradients } from '../../src/train/step';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

describe('a tiny GPT overfits a short text', () => {
  it('drives the training loss below 0.1 nats/token within 300 Adam steps', async () => {
    const text = 'the quick brown fox jumps over the lazy dog. ';
    const bytes = [...new TextEncoder().encode(text)];
    const t = bytes.length - 1;
    const cfg = makeConfig({ vocabSize: 258, contextLength: t, nLayer: 2, nHead: 2, nEmbd: 32 });
    const params = initParams(cfg, 1);
    const batch: TokenBatch = {
      inputs: tf.tensor2d([bytes.slice(0, t)], [1, t], 'int32'),
      targets: tf.tensor2d([bytes.slice(1)], [1, t], 'int32'),
      mask: tf.ones([1, t]) as tf.Tensor2D,
    };
    const optimizer = tf.train.adam(3e-3);
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      const { loss, grads } = lmGradients(params, cfg, batch);
      const named: Record<string, tf.Tensor> = {};
      for (const [name, g] of grads) named[params.get(name)!.name] = g;
      optimizer.applyGradients(named as tf.NamedTensorMap as never);
      losses.push((await loss.data())[0]);
      tf.dispose([loss, ...grads.values()]);
      if (losses[losses.length - 1] < 0.1) break;
    }
    // Starts near ln(258) = 5.55 (uniform guess) and memorises the sentence.
    expect(losses[0]).toBeGreaterThan(5);
    expect(losses[losses.length - 1]).toBeLessThan(0.1);
    optimizer.dispose();
    disposeParams(params);
  });
});
