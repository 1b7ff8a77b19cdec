import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { forward } from '../../src/model/gpt';
import { perExampleLoss, type TokenBatch } from '../../src/model/losses';
import { normalize } from '../../src/model/ops';
import { disposeParams } from '../../src/model/params';
import { useWasm } from './helpers/backend';
import { seededRandom } from './helpers/random';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';
import { type RefExample, type RefWeights, referenceExampleLoss } from './reference/gpt2-reference';

beforeAll(useWasm);

function toBatch(examples: RefExample[]): TokenBatch {
  const t = examples[0].inputs.length;
  return {
    inputs: tf.tensor2d(
      examples.map((e) => e.inputs),
      [examples.length, t],
      'int32',
    ),
    targets: tf.tensor2d(
      examples.map((e) => e.targets),
      [examples.length, t],
      'int32',
    ),
    mask: tf.tensor2d(
      examples.map((e) => e.mask),
      [examples.length, t],
      'float32',
    ),
  };
}

/**
 * TF.js autodiff (float32) against central finite differences of the independent float64
 * reference loss. float64 FD with h = 1e-5 is accurate to ~1e-9, so the tolerance only has to
 * absorb float32 rounding in the TF.js gradient.
 */
describe('autodiff gradients vs finite differences', () => {
  for (const tie of [true, false]) {
    it(`agree for every parameter tensor (${tie ? 'tied' : 'untied'} head, padded batch, repeated tokens)`, async () => {
      const cfg = tinyConfig({ tieEmbeddings: tie, vocabSize: 13, contextLength: 6 });
      const { ref, params } = randomWeights(cfg, tie ? 21 : 22, 0.25);
      const examples: RefExample[] = [
        { inputs: randomIds(6, 13, 1), targets: randomIds(6, 13, 2), mask: [1, 1, 1, 1, 1, 1] },
        { inputs: [3, 3, 3, 7, 3, 0], targets: [3, 7, 3, 3, 0, 0], mask: [1, 1, 1, 1, 0, 0] },
      ];
      const lossOf = (w: RefWeights) =>
        examples.reduce((s, e) => s + referenceExampleLoss(cfg, w, e), 0) / examples.length;
      const batch = toBatch(examples);
      const vars = [...params.values()];
      const { grads } = tf.variableGrads(
        () => tf.mean(perExampleLoss(forward(params, cfg, batch.inputs).logits, batch)) as tf.Scalar,
        vars,
      );
      const rand = seededRandom(7);
      let checked = 0;
      let maxErr = 0;
      let maxGrad = 0;
      const names = [...params.keys()];
      for (let k = 0; k < names.length; k++) {
        const name = names[k];
        const g = await grads[vars[k].name].data();
        const base = ref.get(name)!;
        // A few random coordinates per tensor plus its largest-gradient coordinate.
        let argmax = 0;
        for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[argmax])) argmax = i;
        const coords = new Set([argmax, ...Array.from({ length: 3 }, () => Math.floor(rand() * g.length))]);
        for (const i of coords) {
          const h = 1e-5;
          const orig = base[i];
          base[i] = orig + h;
          const up = lossOf(ref);
          base[i] = orig - h;
          const down = lossOf(ref);
          base[i] = orig;
          const fd = (up - down) / (2 * h);
          const err = Math.abs(fd - g[i]);
          maxErr = Math.max(maxErr, err / (1e-3 + Math.abs(fd)));
          maxGrad = Math.max(maxGrad, Math.abs(fd));
          expect(err, `${name}[${i}] autodiff ${g[i]} vs fd ${fd}`).toBeLessThan(2e-4 + 2e-3 * Math.abs(fd));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(names.length * 2);
      expect(maxGrad).toBeGreaterThan(0.05); // gradients are not trivially zero
      tf.dispose(Object.values(grads));
      tf.dispose([batch.inputs, batch.targets, batch.mask]);
      disposeParams(params);
    });
  }

  it('tokens absent from the batch get exactly zero embedding gradient (untied)', async () => {
    const cfg = tinyConfig({ tieEmbeddings: false, vocabSize: 13, contextLength: 4 });
    const { params } = randomWeights(cfg, 23);
    const batch = toBatch([{ inputs: [1, 2, 1, 2], targets: [2, 1, 2, 1], mask: [1, 1, 1, 1] }]);
    const wte = params.get('wte.weight')!;
    const { grads } = tf.variableGrads(
      () => tf.mean(perExampleLoss(forward(params, cfg, batch.inputs).logits, batch)) as tf.Scalar,
      [wte],
    );
    const g = (await grads[wte.name].array()) as number[][];
    for (let v = 0; v < 13; v++) {
      const norm = Math.hypot(...g[v]);
      if (v === 1 || v === 2) expect(norm).toBeGreaterThan(0);
      else expect(norm).toBe(0);
    }
    disposeParams(params);
  });
});

describe('normalize (LayerNorm without its gain and bias)', () => {
  it('has the gradient of central finite differences of a float64 implementation', async () => {
    const [n, d, eps] = [3, 7, 1e-5];
    const rand = seededRandom(11);
    const x = Array.from({ length: n * d }, () => 3 * (rand() - 0.5) + 0.5);
    const w = Array.from({ length: n * d }, () => rand() - 0.5);
    // sum_ij w_ij xhat_ij in float64.
    const loss = (v: number[]) => {
      let total = 0;
      for (let i = 0; i < n; i++) {
        const row = v.slice(i * d, (i + 1) * d);
        const mean = row.reduce((a, b) => a + b, 0) / d;
        const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
        row.forEach((b, j) => {
          total += (w[i * d + j] * (b - mean)) / Math.sqrt(variance + eps);
        });
      }
      return total;
    };
    const wt = tf.tensor2d(w, [n, d]);
    const g = await tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(normalize(t, eps), wt)))(tf.tensor2d(x, [n, d]))
      .data();
    const y = await normalize(tf.tensor2d(x, [n, d]), eps).data();
    const h = 1e-5;
    x.forEach((_, k) => {
      const up = [...x];
      const down = [...x];
      up[k] += h;
      down[k] -= h;
      const fd = (loss(up) - loss(down)) / (2 * h);
      expect(Math.abs(g[k] - fd), `x[${k}]: ${g[k]} vs fd ${fd}`).toBeLessThan(1e-4 + 1e-4 * Math.abs(fd));
    });
    // The value: each row has mean 0 and variance 1 (up to eps).
    for (let i = 0; i < n; i++) {
      const row = Array.from(y.slice(i * d, (i + 1) * d));
      expect(Math.abs(row.reduce((a, b) => a + b, 0) / d)).toBeLessThan(1e-6);
      expect(Math.abs(row.reduce((a, b) => a + b * b, 0) / d - 1)).toBeLessThan(1e-4);
    }
  });
});
