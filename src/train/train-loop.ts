/**
 * Ordinary (non-private) mini-batch training over token windows, for pretraining the public base
 * models, the non-private baselines and the distilled student. Epoch-wise seeded shuffling, AdamW,
 * a pluggable objective (next-token CE by default; the distillation loss for the student), step
 * events for live charts, stop/resume.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import { meanTokenLoss, type TokenBatch } from '../model/losses';
import type { Params } from '../model/params';
import { seededUniform, shuffledIndices } from '../random/seeded';
import { disposeBatch, windowsToBatch } from './batching';
import { AdamW, type AdamWState } from './optimizer';
import type { LearningRateSchedule } from './schedule';
import { gradientsOf } from './step';

export interface TrainLoopConfig {
  /** Optimizer steps. */
  steps: number;
  /** Windows per step. */
  batchSize: number;
  schedule: LearningRateSchedule;
  weightDecay: number;
  /** Seed of the window order (not privacy-relevant). */
  seed: number;
}

export const DEFAULT_TRAIN_LOOP: TrainLoopConfig = {
  steps: 100,
  batchSize: 16,
  schedule: { peak: 1e-3, warmupSteps: 10, decay: 'cosine', floor: 1e-4 },
  weightDecay: 0.01,
  seed: 1,
};

export interface TrainStepReport {
  step: number;
  totalSteps: number;
  loss: number;
  learningRate: number;
  tokens: number;
  elapsedMs: number;
}

export interface TrainState {
  step: number;
  optimizer: AdamWState;
}

/** The scalar objective of one batch (default: token-mean next-token cross-entropy). */
export type Objective = (params: Params, batch: TokenBatch) => tf.Scalar;

export interface TrainLoopInput {
  params: Params;
  config: GPTConfig;
  windows: number[][];
  padId: number;
  training: Partial<TrainLoopConfig>;
  /** Parameters to train (default all). Extra trainable tensors (e.g. a projection) can be added. */
  trainable?: Params;
  objective?: Objective;
  /**
   * Called before each batch's gradient, outside the gradient tape (e.g. teacher soft labels for
   * distillation); returns a cleanup run after the step.
   */
  prepareBatch?: (batch: TokenBatch) => () => void;
  onStep?: (r: TrainStepReport) => void | Promise<void>;
  shouldStop?: () => boolean;
  resume?: TrainState;
  /** Periodic checkpoints: `save` gets the state every `every` steps (and is awaited). */
  checkpoint?: { every: number; save: (state: TrainState) => Promise<void> };
}

export async function trainLoop(input: TrainLoopInput): Promise<{ state: TrainState; completed: boolean }> {
  const c = { ...DEFAULT_TRAIN_LOOP, ...input.training };
  if (input.windows.length === 0) throw new Error('training: no windows');
  const trainable = input.trainable ?? input.params;
  const objective: Objective =
    input.objective ??
    ((params, batch) => meanTokenLoss(forward(params, input.config, batch.inputs).logits, batch));
  const optimizer = new AdamW(trainable, {
    schedule: { ...c.schedule, totalSteps: c.schedule.totalSteps ?? c.steps },
    weightDecay: c.weightDecay,
  });
  if (input.resume) await optimizer.importState(input.resume.optimizer);
  const uniform = seededUniform(c.seed);
  let order: number[] = [];
  let cursor = 0;
  // Replay the window order up to the resume point so a resumed run sees the same batches.
  const nextIndices = (): number[] => {
    const out: number[] = [];
    while (out.length < c.batchSize) {
      if (cursor >= order.length) {
        order = shuffledIndices(input.windows.length, uniform);
        cursor = 0;
      }
      out.push(order[cursor++]);
    }
    return out;
  };
  let step = input.resume?.step ?? 0;
  for (let s = 0; s < step; s++) nextIndices();
  const started = performance.now();
  for (; step < c.steps; step++) {
    if (input.shouldStop?.()) break;
    const windows = nextIndices().map((i) => input.windows[i]);
    const batch = windowsToBatch(windows, c.batchSize, input.config.contextLength, input.padId);
    const cleanup = input.prepareBatch?.(batch);
    const { loss, grads } = gradientsOf(trainable, () => objective(input.params, batch));
    cleanup?.();
    const learningRate = optimizer.applyGradients(grads);
    const lossValue = (await loss.data())[0];
    const tokens = windows.reduce((a, w) => a + w.length - 1, 0);
    tf.dispose([loss, ...grads.values()]);
    disposeBatch(batch);
    if (!Number.isFinite(lossValue))
      throw new Error(`training diverged: loss is ${lossValue} at step ${step + 1}`);
    await input.onStep?.({
      step: step + 1,
      totalSteps: c.steps,
      loss: lossValue,
      learningRate,
      tokens,
      elapsedMs: performance.now() - started,
    });
    if (input.checkpoint && (step + 1) % input.checkpoint.every === 0) {
      await input.checkpoint.save({ step: step + 1, optimizer: await optimizer.exportState() });
    }
  }
  const state = { step, optimizer: await optimizer.exportState() };
  optimizer.dispose();
  return { state, completed: step >= c.steps };
}
