/**
 * On-policy distillation (generalized knowledge distillation, Agarwal et al. 2024; DP-OPD): the
 * STUDENT writes continuations of prompts, the (DP) teacher scores every generated token, and the
 * student minimises a divergence between the two next-token distributions on its own samples, so
 * it learns where its own generations go wrong instead of only imitating teacher text. Prompts are
 * public or DP post-processing (control-code prompts and prefixes of the DP teacher's synthetic
 * text): no privacy cost. A share `1 - onPolicyFraction` of the batches are the teacher's own
 * synthetic windows instead (off-policy), as GKD mixes them.
 *
 * Divergences per generated position (mean over positions, the prompt's positions excluded):
 *   forward  KL(p_T || p_S)
 *   reverse  KL(p_S || p_T)
 *   jsd      beta KL(p_T || m) + (1 - beta) KL(p_S || m), m = beta p_T + (1 - beta) p_S
 * Each step's sampling seed derives from (seed, step), so a resumed run sees the same samples.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { generate } from '../model/generate';
import { forward } from '../model/gpt';
import type { TokenBatch } from '../model/losses';
import type { Params } from '../model/params';
import { seededUniform } from '../random/seeded';
import { disposeBatch, windowsToBatch } from './batching';
import { AdamW } from './optimizer';
import type { LearningRateSchedule } from './schedule';
import { gradientsOf } from './step';
import type { TrainState, TrainStepReport } from './train-loop';

export type Divergence = 'forward' | 'reverse' | 'jsd';

export interface OnPolicyConfig {
  steps: number;
  /** Sequences per step. */
  batchSize: number;
  schedule: LearningRateSchedule;
  weightDecay: number;
  divergence: Divergence;
  /** Teacher weight of the generalized JSD (divergence 'jsd'). */
  beta: number;
  /** Share of steps on student samples; the rest use the teacher's synthetic windows. */
  onPolicyFraction: number;
  /** Sampling temperature of the student's continuations. */
  temperature: number;
  seed: number;
}

export const DEFAULT_ON_POLICY: OnPolicyConfig = {
  steps: 100,
  batchSize: 16,
  schedule: { peak: 3e-4, warmupSteps: 10, decay: 'cosine', floor: 3e-5 },
  weightDecay: 0.01,
  divergence: 'forward',
  beta: 0.5,
  onPolicyFraction: 1,
  temperature: 1,
  seed: 1,
};

/** Per-position divergence (B, T) between teacher and student logits. */
export function tokenDivergence(
  teacherLogits: tf.Tensor3D,
  studentLogits: tf.Tensor3D,
  divergence: Divergence,
  beta: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(teacherLogits);
    const logPs = tf.logSoftmax(studentLogits);
    const kl = (logP: tf.Tensor, logQ: tf.Tensor) => tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), -1);
    if (divergence === 'forward') return kl(logPt, logPs) as tf.Tensor2D;
    if (divergence === 'reverse') return kl(logPs, logPt) as tf.Tensor2D;
    if (!(beta > 0 && beta < 1)) throw new Error(`JSD beta must be in (0, 1), got ${beta}`);
    const logM = tf.log(tf.add(tf.mul(tf.exp(logPt), beta), tf.mul(tf.exp(logPs), 1 - beta)));
    return tf.add(tf.mul(kl(logPt, logM), beta), tf.mul(kl(logPs, logM), 1 - beta)) as tf.Tensor2D;
  });
}

export interface OnPolicyModel {
  params: Params;
  config: GPTConfig;
}

export interface OnPolicyInput {
  teacher: OnPolicyModel;
  student: OnPolicyModel;
  /** Prompts the student continues (each starts with end-of-text). */
  prompts: number[][];
  /** Off-policy windows (the teacher's synthetic text), used for 1 - onPolicyFraction of the steps. */
  offPolicyWindows: number[][];
  eotId: number;
  padId: number;
  config: Partial<OnPolicyConfig>;
  onStep?: (r: TrainStepReport) => void | Promise<void>;
  shouldStop?: () => boolean;
  resume?: TrainState;
  checkpoint?: { every: number; save: (state: TrainState) => Promise<void> };
}

/** Student continuations of the step's prompts, as windows with the prompt positions masked out. */
async function studentBatch(
  input: OnPolicyInput,
  c: OnPolicyConfig,
  pick: () => number,
  seed: number,
): Promise<{ batch: TokenBatch; tokens: number }> {
  const t = input.student.config.contextLength;
  const prompts = Array.from({ length: c.batchSize }, () => input.prompts[pick()].slice(0, t));
  const outs = await generate(input.student.params, input.student.config, prompts, {
    maxLength: t,
    temperature: c.temperature,
    topK: 0,
    topP: 1,
    noRepeatNgramSize: 0,
    batchSize: c.batchSize,
    seed,
    eotId: input.eotId,
    padId: input.padId,
  });
  const windows = prompts.map((p, i) => [...p, ...outs[i], input.eotId].slice(0, t + 1));
  const batch = windowsToBatch(windows, c.batchSize, t, input.padId);
  // Positions whose target is a prompt token are the teacher's text, not the student's: masked.
  const promptMask = new Float32Array(c.batchSize * t).fill(1);
  prompts.forEach((p, r) => {
    for (let i = 0; i < Math.min(t, p.length - 1); i++) promptMask[r * t + i] = 0;
  });
  const mask = tf.tidy(() => tf.mul(batch.mask, tf.tensor2d(promptMask, [c.batchSize, t]))) as tf.Tensor2D;
  batch.mask.dispose();
  const tokens = windows.reduce((a, w, r) => a + Math.max(0, w.length - prompts[r].length), 0);
  return { batch: { ...batch, mask }, tokens };
}

export async function onPolicyDistill(
  input: OnPolicyInput,
): Promise<{ state: TrainState; completed: boolean }> {
  const c = { ...DEFAULT_ON_POLICY, ...input.config };
  if (input.prompts.length === 0) throw new Error('on-policy distillation: no prompts');
  if (c.onPolicyFraction < 1 && input.offPolicyWindows.length === 0)
    throw new Error('on-policy distillation: off-policy steps need synthetic windows');
  const { teacher, student } = input;
  const t = student.config.contextLength;
  const optimizer = new AdamW(student.params, {
    schedule: { ...c.schedule, totalSteps: c.schedule.totalSteps ?? c.steps },
    weightDecay: c.weightDecay,
  });
  if (input.resume) await optimizer.importState(input.resume.optimizer);
  let step = input.resume?.step ?? 0;
  const started = performance.now();
  for (; step < c.steps; step++) {
    if (input.shouldStop?.()) break;
    const u = seededUniform(c.seed * 1_000_003 + step);
    const pickFrom = (n: number) => () => Math.floor(u() * n);
    const onPolicy = u() < c.onPolicyFraction;
    const { batch, tokens } = onPolicy
      ? await studentBatch(input, c, pickFrom(input.prompts.length), c.seed * 1_000_003 + step)
      : (() => {
          const pick = pickFrom(input.offPolicyWindows.length);
          const ws = Array.from({ length: c.batchSize }, () => input.offPolicyWindows[pick()]);
          return {
            batch: windowsToBatch(ws, c.batchSize, t, input.padId),
            tokens: ws.reduce((a, w) => a + w.length - 1, 0),
          };
        })();
    const teacherLogits = tf.tidy(() => forward(teacher.params, teacher.config, batch.inputs).logits);
    const { loss, grads } = gradientsOf(student.params, () =>
      tf.tidy(() => {
        const d = tokenDivergence(
          teacherLogits,
          forward(student.params, student.config, batch.inputs).logits,
          c.divergence,
          c.beta,
        );
        return tf.div(tf.sum(tf.mul(d, batch.mask)), tf.maximum(tf.sum(batch.mask), 1)) as tf.Scalar;
      }),
    );
    teacherLogits.dispose();
    const learningRate = optimizer.applyGradients(grads);
    const lossValue = (await loss.data())[0];
    tf.dispose([loss, ...grads.values()]);
    disposeBatch(batch);
    if (!Number.isFinite(lossValue)) throw new Error(`on-policy distillation diverged at step ${step + 1}`);
    await input.onStep?.({
      step: step + 1,
      totalSteps: c.steps,
      loss: lossValue,
      learningRate,
      tokens,
      elapsedMs: performance.now() - started,
    });
    if (input.checkpoint && (step + 1) % input.checkpoint.every === 0)
      await input.checkpoint.save({ step: step + 1, optimizer: await optimizer.exportState() });
  }
  const state = { step, optimizer: await optimizer.exportState() };
  optimizer.dispose();
  return { state, completed: step >= c.steps };
}
