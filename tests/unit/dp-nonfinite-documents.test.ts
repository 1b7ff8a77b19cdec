/**
 * A document whose gradient is NaN/Inf must not stop the run (that would be a decision made from
 * private data, outside any mechanism): it gets clip factor 0 for that step, contributes nothing
 * (noise is still added), and is counted locally. The rest of the micro-batch is exactly what the
 * naive oracle gives without that document.
 *
 * The non-finite gradient is injected through the per-row loss (ClippingOptions.rowLoss): rows
 * that contain the token POISON have their loss multiplied by NaN, so that document's gradient is
 * NaN and every other document's is untouched, on both clipping paths.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClippedGradients, clippedGradientsFast } from '../../src/dp/clipping';
import { clipSkippingNonFinite } from '../../src/dp/nonfinite';
import { clippedGradientsNaive } from '../../src/dp/oracle';
import { perExampleLoss, type TokenBatch } from '../../src/model/losses';
import { disposeParams, paramsToArrays } from '../../src/model/params';
import { planPrivacy } from '../../src/train/dp-plan';
import { trainWithDP } from '../../src/train/dp-train';
import { useWasm } from './helpers/backend';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

const POISON = 5;
const PAD = 0;
const cfg = tinyConfig({ vocabSize: 13, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 8 });

const poisonedLoss = (logits: tf.Tensor3D, batch: TokenBatch): tf.Tensor1D =>
  tf.tidy(() => {
    const rows = batch.inputs.shape[0];
    const hit = tf.any(tf.equal(batch.inputs, POISON), 1);
    const scale = tf.where(hit, tf.fill([rows], Number.NaN), tf.ones([rows]));
    return tf.mul(perExampleLoss(logits, batch), scale) as tf.Tensor1D;
  });

/** Tokens 1..12 without POISON. */
const cleanIds = (n: number, seed: number) =>
  randomIds(n, cfg.vocabSize - 2, seed).map((x) => (x + 1 >= POISON ? x + 2 : x + 1));

function batchOf(windows: number[][]): TokenBatch {
  const t = cfg.contextLength;
  const rows = windows.map((w) => w.slice(0, t));
  const targets = windows.map((w) => w.slice(1, t + 1));
  return {
    inputs: tf.tensor2d(rows, [rows.length, t], 'int32'),
    targets: tf.tensor2d(targets, [rows.length, t], 'int32'),
    mask: tf.ones([rows.length, t]) as tf.Tensor2D,
  };
}

function dispose(r: ClippedGradients, b?: TokenBatch) {
  tf.dispose([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
  if (b) tf.dispose([b.inputs, b.targets, b.mask]);
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return (await tf.max(tf.abs(tf.sub(a, b))).data())[0];
}

describe('a document with a non-finite gradient gets clip factor 0', () => {
  const windows = [cleanIds(9, 1), cleanIds(9, 2), cleanIds(9, 3), cleanIds(9, 4)];
  const BAD = 2;
  windows[BAD][3] = POISON;

  for (const [name, path] of [
    ['fast (book-keeping) path', clippedGradientsFast],
    ['naive oracle path', clippedGradientsNaive],
  ] as const) {
    it(`${name}: the others' clipped sum equals the oracle's without that document`, async () => {
      const { params } = randomWeights(cfg, 7);
      const batch = batchOf(windows);
      const options = { clipNorm: 0.5, rowLoss: poisonedLoss };
      const unguarded = path(params, cfg, batch, options);
      // Without the guard, one document's NaN poisons the whole sum.
      expect([...(await unguarded.clippedSum.get('ln_f.bias')!.data())].some(Number.isNaN)).toBe(true);
      dispose(unguarded);

      const guarded = await clipSkippingNonFinite(path, params, cfg, batch, options, PAD);
      const clean = batchOf(windows.filter((_, i) => i !== BAD));
      const truth = clippedGradientsNaive(params, cfg, clean, { clipNorm: 0.5 });
      expect(guarded.nonFiniteExamples).toEqual([BAD]);
      const factors = [...(await guarded.clipFactors.data())];
      expect(factors[BAD]).toBe(0);
      const truthFactors = [...(await truth.clipFactors.data())];
      expect(factors.filter((_, i) => i !== BAD).map((f, i) => f - truthFactors[i])).toEqual(
        truthFactors.map(() => expect.closeTo(0, 5)),
      );
      for (const [param, g] of truth.clippedSum) {
        const got = guarded.clippedSum.get(param)!;
        expect((await tf.all(tf.isFinite(got)).data())[0], param).toBe(1);
        expect(await maxAbsDiff(got, g), param).toBeLessThan(1e-5);
      }
      dispose(guarded, batch);
      dispose(truth, clean);
      disposeParams(params);
    });
  }
});

describe('DP training with a non-finite document', () => {
  it('goes on: the document is skipped that step and counted, the model stays finite', async () => {
    const { params } = randomWeights(cfg, 3);
    const documents = Array.from({ length: 8 }, (_, d) => [cleanIds(9, 10 + d)]);
    documents[5][0][2] = POISON;
    const plan = planPrivacy(documents.length, {
      targetEpsilon: 5,
      expectedBatchSize: 8, // q = 1: every document in every step
      epochs: 3,
      insecureFixedSeedForTestsOnly: 1,
    });
    const skipped: number[] = [];
    const losses: number[] = [];
    const result = await trainWithDP({
      params,
      config: cfg,
      documentWindows: documents,
      padId: PAD,
      plan,
      training: { microBatchSize: 4, insecureFixedSeedForTestsOnly: 1, rowLoss: poisonedLoss },
      hooks: {
        onStep: (r) => {
          skipped.push(r.nonFiniteDocuments);
          losses.push(r.loss);
        },
      },
    });
    expect(result.completed).toBe(true);
    expect(skipped).toEqual([1, 1, 1]);
    // The reported loss is the mean over the documents that counted.
    expect(losses.every(Number.isFinite)).toBe(true);
    for (const [name, data] of await paramsToArrays(params))
      expect(data.every(Number.isFinite), name).toBe(true);
    disposeParams(params);
  });
});
