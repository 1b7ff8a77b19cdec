import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanTokenLoss, type TokenBatch } from '../../src/model/losses';
import { createProjection, distillationLoss, perExampleKDLoss, tokenKL } from '../../src/train/distill';
import { AdamW } from '../../src/train/optimizer';
import { useWasm } from './helpers/backend';
import { seededNormal } from './helpers/random';

beforeAll(useWasm);

const B = 2;
const T = 3;
const V = 5;

function randomArray(n: number, seed: number, scale = 1.5): number[] {
  const r = seededNormal(seed);
  return Array.from({ length: n }, () => scale * r());
}

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const z = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m;
  return row.map((v) => v - z);
}

/** Independent float64 computation of the documented loss. */
function referenceLoss(
  s: number[],
  t: number[],
  targets: number[],
  mask: number[],
  hs: number[],
  ht: number[],
  w: number[],
  bias: number[],
  ds: number,
  dt: number,
  lambda: number,
  temp: number,
  alpha: number,
): number {
  let ce = 0;
  let kl = 0;
  let mse = 0;
  let n = 0;
  for (let p = 0; p < B * T; p++) {
    if (!mask[p]) continue;
    n++;
    const sRow = s.slice(p * V, (p + 1) * V);
    const tRow = t.slice(p * V, (p + 1) * V);
    ce -= logSoftmax(sRow)[targets[p]];
    const lt = logSoftmax(tRow.map((v) => v / temp));
    const ls = logSoftmax(sRow.map((v) => v / temp));
    kl += lt.reduce((a, v, i) => a + Math.exp(v) * (v - ls[i]), 0);
    let sq = 0;
    for (let j = 0; j < dt; j++) {
      let proj = bias[j];
      for (let i = 0; i < ds; i++) proj += hs[p * ds + i] * w[i * dt + j];
      sq += (proj - ht[p * dt + j]) ** 2;
    }
    mse += sq / dt;
  }
  return (1 - lambda) * (ce / n) + lambda * temp * temp * (kl / n) + alpha * (mse / n);
}

function batchOf(targets: number[], mask: number[]): TokenBatch {
  return {
    inputs: tf.zeros([B, T], 'int32') as tf.Tensor2D,
    targets: tf.tensor2d(targets, [B, T], 'int32'),
    mask: tf.tensor2d(mask, [B, T]),
  };
}

describe('distillation loss', () => {
  it('equals an independent float64 computation (masked, temperature, projection)', async () => {
    const ds = 3;
    const dt = 4;
    const s = randomArray(B * T * V, 1);
    const t = randomArray(B * T * V, 2);
    const hs = randomArray(B * T * ds, 3);
    const ht = randomArray(B * T * dt, 4);
    const targets = [0, 4, 2, 1, 3, 3];
    const mask = [1, 1, 0, 1, 1, 1];
    const proj = createProjection(ds, dt, 5)!;
    const w = [...(await proj.weight.data())];
    const bias = [...(await proj.bias.data())];
    for (const [lambda, temp, alpha] of [
      [0.4, 1, 0.1],
      [0.7, 2.5, 0],
      [0, 1, 0.3],
    ]) {
      const terms = distillationLoss(
        tf.tensor3d(s, [B, T, V]),
        tf.tensor3d(hs, [B, T, ds]),
        { logits: tf.tensor3d(t, [B, T, V]), hidden: tf.tensor3d(ht, [B, T, dt]) },
        batchOf(targets, mask),
        proj,
        { lambda, temperature: temp, alpha },
      );
      const got = (await terms.total.data())[0];
      const want = referenceLoss(s, t, targets, mask, hs, ht, w, bias, ds, dt, lambda, temp, alpha);
      expect(Math.abs(got - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
    }
  });

  it('with lambda = 0 and alpha = 0 is the token-mean cross-entropy; KL of identical logits is 0', async () => {
    const s = tf.tensor3d(randomArray(B * T * V, 6), [B, T, V]);
    const batch = batchOf([1, 2, 3, 4, 0, 1], [1, 1, 1, 0, 1, 0]);
    const terms = distillationLoss(s, undefined, { logits: s }, batch, null, {
      lambda: 0,
      temperature: 1,
      alpha: 0,
    });
    expect((await terms.total.data())[0]).toBeCloseTo((await meanTokenLoss(s, batch).data())[0], 6);
    const kl = await tokenKL(s, s, 2).data();
    for (const v of kl) expect(Math.abs(v)).toBeLessThan(1e-6);
    // Hard labels only need no teacher at all (the synthetic-only baseline skips its forward pass).
    const noTeacher = distillationLoss(s, undefined, null, batch, null, {
      lambda: 0,
      temperature: 1,
      alpha: 0,
    });
    expect((await noTeacher.total.data())[0]).toBeCloseTo((await terms.total.data())[0], 6);
    expect(() =>
      distillationLoss(s, undefined, null, batch, null, { lambda: 0.4, temperature: 1, alpha: 0 }),
    ).toThrow(/needs the teacher outputs/);
  });

  it('per-example KD loss uses only each example own tokens', async () => {
    const s = randomArray(B * T * V, 7);
    const t = randomArray(B * T * V, 8);
    const mask = [1, 0, 0, 1, 1, 1];
    const targets = [1, 1, 1, 2, 2, 2];
    const per = await perExampleKDLoss(
      tf.tensor3d(s, [B, T, V]),
      tf.tensor3d(t, [B, T, V]),
      batchOf(targets, mask),
      { lambda: 0.4, temperature: 1 },
    ).data();
    for (let b = 0; b < B; b++) {
      const rows = [0, 1, 2].filter((i) => mask[b * T + i]);
      let sum = 0;
      for (const i of rows) {
        const p = b * T + i;
        const ls = logSoftmax(s.slice(p * V, (p + 1) * V));
        const lt = logSoftmax(t.slice(p * V, (p + 1) * V));
        sum += 0.6 * -ls[targets[p]] + 0.4 * lt.reduce((a, v, j) => a + Math.exp(v) * (v - ls[j]), 0);
      }
      expect(per[b]).toBeCloseTo(sum / rows.length, 5);
    }
  });

  it('the learned projection fits a linear map between hidden widths (MSE -> ~0)', async () => {
    const ds = 6;
    const dt = 8;
    const n = 64;
    const hs = tf.tensor2d(randomArray(n * ds, 9, 1), [n, ds]);
    const wTrue = tf.tensor2d(randomArray(ds * dt, 10, 0.5), [ds, dt]);
    const ht = tf.add(tf.matMul(hs, wTrue), 0.3);
    const proj = createProjection(ds, dt, 11)!;
    const opt = new AdamW(
      new Map([
        ['w', proj.weight],
        ['b', proj.bias],
      ]),
      { schedule: { peak: 0.05 }, weightDecay: 0 },
    );
    const mseOf = () =>
      tf.mean(
        tf.square(tf.sub(tf.add(tf.matMul(hs, proj.weight as tf.Tensor2D), proj.bias), ht)),
      ) as tf.Scalar;
    const start = (await mseOf().data())[0];
    for (let i = 0; i < 300; i++) {
      const { grads } = tf.variableGrads(mseOf, [proj.weight, proj.bias]);
      opt.applyGradients(
        new Map([
          ['w', grads[proj.weight.name]],
          ['b', grads[proj.bias.name]],
        ]),
      );
      tf.dispose(Object.values(grads));
    }
    const end = (await mseOf().data())[0];
    expect(start).toBeGreaterThan(0.5);
    expect(end).toBeLessThan(1e-3);
    expect(createProjection(5, 5)).toBeNull();
  });
});
