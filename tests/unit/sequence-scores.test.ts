import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { forward } from '../../src/model/gpt';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { meanTokenLogProbs } from '../../src/train/sequence-scores';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

const noAssets = async () => null;

describe('meanTokenLogProbs', () => {
  it('equals a naive per-sequence log-softmax, scores only from `from` within one window, NaN when nothing is scored', async () => {
    const model = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    try {
      const t = model.config.contextLength;
      const v = model.config.vocabSize;
      const seq = (n: number, k: number) => Array.from({ length: n }, (_, i) => (i * 7 + k * 13 + 3) % v);
      const sequences = [
        { tokens: seq(10, 1), from: 1 },
        { tokens: seq(6, 2), from: 4 },
        { tokens: seq(t + 20, 3), from: 5 }, // longer than a window: only its first t + 1 tokens
        { tokens: seq(3, 4), from: 3 }, // nothing after the prompt
      ];
      // Naive: each sequence alone, unpadded, log-softmax in plain JS.
      const naive = (tokens: number[], from: number) => {
        const w = tokens.slice(0, t + 1);
        if (w.length <= from) return Number.NaN;
        const logits = tf.tidy(
          () => forward(model.params, model.config, tf.tensor2d([w.slice(0, -1)], undefined, 'int32')).logits,
        );
        const rows = logits.arraySync()[0] as number[][];
        logits.dispose();
        let sum = 0;
        for (let i = from; i < w.length; i++) {
          const row = rows[i - 1];
          const max = Math.max(...row);
          const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
          sum += row[w[i]] - lse;
        }
        return sum / (w.length - from);
      };
      const fast = await meanTokenLogProbs(model.params, model.config, sequences, { batchSize: 3, padId: 0 });
      expect(fast).toHaveLength(4);
      sequences.forEach((s, i) => {
        const want = naive(s.tokens, s.from);
        if (Number.isNaN(want)) expect(fast[i]).toBeNaN();
        else expect(fast[i]).toBeCloseTo(want, 4);
      });
      // A random model is far from certain: log-probabilities well below 0.
      expect(fast[0]).toBeLessThan(-1);
      await expect(
        meanTokenLogProbs(model.params, model.config, [{ tokens: [1, 2], from: 0 }], {
          batchSize: 1,
          padId: 0,
        }),
      ).rejects.toThrow(/from must be an integer >= 1/);
    } finally {
      disposeModel(model);
    }
  });
});
