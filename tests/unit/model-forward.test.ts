import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { forward } from '../../src/model/gpt';
import { disposeParams } from '../../src/model/params';
import { useWasm } from './helpers/backend';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';
import { referenceForward } from './reference/gpt2-reference';

beforeAll(useWasm);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('GPT-2 forward pass vs an independent float64 implementation', () => {
  for (const tie of [true, false]) {
    it(`matches logits and hidden states to 1e-4 (${tie ? 'tied' : 'untied'} head)`, async () => {
      const cfg = tinyConfig({ tieEmbeddings: tie, nLayer: 2, nHead: 2, nEmbd: 8, contextLength: 7 });
      const { ref, params } = randomWeights(cfg, tie ? 3 : 4);
      const seqs = [randomIds(7, cfg.vocabSize, 11), randomIds(7, cfg.vocabSize, 12), [5, 5, 5, 1, 2, 5, 5]];
      const ids = tf.tensor2d(seqs, [seqs.length, 7], 'int32');
      const out = forward(params, cfg, ids, { returnHidden: true });
      const logits = await out.logits.data();
      const hidden = await out.hidden!.data();
      let worst = 0;
      let worstHidden = 0;
      let maxLogit = 0;
      seqs.forEach((seq, b) => {
        const r = referenceForward(cfg, ref, seq);
        const flatRef = r.logits.flatMap((row) => [...row]);
        const mine = logits.slice(b * 7 * cfg.vocabSize, (b + 1) * 7 * cfg.vocabSize);
        worst = Math.max(worst, maxAbsDiff(mine, flatRef));
        maxLogit = Math.max(maxLogit, ...flatRef.map(Math.abs));
        const hRef = r.hidden.flatMap((row) => [...row]);
        worstHidden = Math.max(
          worstHidden,
          maxAbsDiff(hidden.slice(b * 7 * cfg.nEmbd, (b + 1) * 7 * cfg.nEmbd), hRef),
        );
      });
      expect(maxLogit).toBeGreaterThan(0.5); // the check is not vacuous: logits are O(1)
      expect(worst).toBeLessThan(1e-4);
      expect(worstHidden).toBeLessThan(1e-4);
      tf.dispose([ids, out.logits, out.hidden!]);
      disposeParams(params);
    });
  }

  it('a prefix gives the same logits as the full sequence (causality)', async () => {
    const cfg = tinyConfig();
    const { params } = randomWeights(cfg, 5);
    const seq = randomIds(8, cfg.vocabSize, 9);
    const full = forward(params, cfg, tf.tensor2d([seq], [1, 8], 'int32')).logits;
    const prefix = forward(params, cfg, tf.tensor2d([seq.slice(0, 5)], [1, 5], 'int32')).logits;
    const a = await tf.slice(full, [0, 0, 0], [1, 5, cfg.vocabSize]).data();
    const b = await prefix.data();
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    disposeParams(params);
  });

  it('rejects sequences longer than the context length', () => {
    const cfg = tinyConfig({ contextLength: 4 });
    const { params } = randomWeights(cfg, 6);
    expect(() => forward(params, cfg, tf.zeros([1, 5], 'int32') as tf.Tensor2D)).toThrow(/context length 4/);
    disposeParams(params);
  });
});
