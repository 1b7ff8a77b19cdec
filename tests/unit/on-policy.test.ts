import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, paramsToArrays } from '../../src/model/params';
import { onPolicyDistill, tokenDivergence } from '../../src/train/on-policy';
import { useWasm } from './helpers/backend';
import { randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

describe('token divergences', () => {
  it('equal hand-computed values', async () => {
    // Teacher p = (1/2, 1/2), student q = (1/4, 3/4) at one position.
    const t = tf.tensor3d([[[Math.log(0.5), Math.log(0.5)]]]);
    const s = tf.tensor3d([[[Math.log(0.25), Math.log(0.75)]]]);
    const kl = (p: number[], q: number[]) => p.reduce((a, pi, i) => a + pi * Math.log(pi / q[i]), 0);
    const p = [0.5, 0.5];
    const q = [0.25, 0.75];
    const m = [0.3 * 0.5 + 0.7 * 0.25, 0.3 * 0.5 + 0.7 * 0.75];
    const got = async (d: 'forward' | 'reverse' | 'jsd') => (await tokenDivergence(t, s, d, 0.3).data())[0];
    expect(await got('forward')).toBeCloseTo(kl(p, q), 6);
    expect(await got('reverse')).toBeCloseTo(kl(q, p), 6);
    expect(await got('jsd')).toBeCloseTo(0.3 * kl(p, m) + 0.7 * kl(q, m), 6);
    expect((await tokenDivergence(t, t, 'jsd', 0.5).data())[0]).toBeCloseTo(0, 7);
  });
});

describe('on-policy distillation', () => {
  const cfg = tinyConfig({ vocabSize: 11, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
  const prompts = [[10], [10, 3], [10, 5, 6]];
  const run = async (stopAt: number, steps: number, resumeFrom?: { params: Map<string, Float32Array> }) => {
    const teacher = randomWeights(cfg, 1, 0.6).params;
    const student = randomWeights(cfg, 2, 0.3).params;
    if (resumeFrom)
      for (const [n, v] of student) tf.tidy(() => v.assign(tf.tensor(resumeFrom.params.get(n)!, v.shape)));
    const losses: number[] = [];
    let left = stopAt;
    return {
      teacher,
      student,
      losses,
      go: (resume?: Awaited<ReturnType<typeof onPolicyDistill>>['state']) =>
        onPolicyDistill({
          teacher: { params: teacher, config: cfg },
          student: { params: student, config: cfg },
          prompts,
          offPolicyWindows: [[10, 1, 2, 3, 4, 5, 6, 7, 8]],
          eotId: 10,
          padId: 0,
          config: { steps, batchSize: 6, schedule: { peak: 3e-2 }, onPolicyFraction: 0.8, seed: 3 },
          resume,
          shouldStop: () => left-- <= 0,
          onStep: (r) => void losses.push(r.loss),
        }),
    };
  };

  it('moves the student toward the teacher on its own samples, and resumes exactly', async () => {
    const whole = await run(Number.POSITIVE_INFINITY, 30);
    await whole.go();
    const early = whole.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const late = whole.losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(late).toBeLessThan(0.7 * early);
    const final = await paramsToArrays(whole.student);

    const split = await run(12, 30);
    const first = await split.go();
    expect(first.completed).toBe(false);
    const resumed = await run(Number.POSITIVE_INFINITY, 30, { params: await paramsToArrays(split.student) });
    const second = await resumed.go(first.state);
    expect(second.completed).toBe(true);
    const again = await paramsToArrays(resumed.student);
    for (const [n, v] of final) expect(again.get(n), n).toEqual(v);
    for (const r of [whole, split, resumed]) {
      disposeParams(r.teacher);
      disposeParams(r.student);
    }
  });
});
