/**
 * The pipeline's building blocks as plain async functions over loaded models: DP fine-tuning,
 * ordinary fine-tuning, distillation on synthetic text, evaluation. The DistilDP method and every
 * baseline (methods/) are compositions of these; the browser worker and the CLI call the same code.
 */
import * as tf from '@tensorflow/tfjs';
import { documentWindows } from '../data/windows';
import { forward } from '../model/gpt';
import type { TokenBatch } from '../model/losses';
import type { Params } from '../model/params';
import {
  createProjection,
  DEFAULT_DISTILLATION,
  type DistillationConfig,
  distillationLoss,
  perExampleKDLoss,
} from '../train/distill';
import type { DPTrainingConfig, PrivacyPlan } from '../train/dp-plan';
import { type DPStepReport, type DPTrainingState, trainWithDP } from '../train/dp-train';
import { type EvaluationResult, evaluatePerplexity } from '../train/evaluate';
import { type TrainState, type TrainStepReport, trainLoop } from '../train/train-loop';
import type { LoadedModel } from './models';
import type { SyntheticSample } from './synthetic';

export interface DPFineTuneInput {
  model: LoadedModel;
  documentWindows: number[][][];
  plan: PrivacyPlan;
  training: Partial<DPTrainingConfig>;
  /** DPKD: distil from this (already DP) teacher with the per-row KD loss on private batches. */
  kdTeacher?: { model: LoadedModel; config: Pick<DistillationConfig, 'lambda' | 'temperature'> };
  onStep?: (r: DPStepReport) => void | Promise<void>;
  /** Fractional steps done, after each micro-batch (progress within long steps). */
  onProgress?: (steps: number) => void;
  /** Checked before each step and between micro-batches (a stop abandons the step in progress). */
  shouldStop?: () => boolean;
  resume?: DPTrainingState;
  checkpoint?: { every: number; save: (state: DPTrainingState) => Promise<void> };
  /** `documentWindows` are one part of the plan's documents (trainWithDP's partOfPlan). */
  partOfPlan?: boolean;
}

function dpHooks(input: DPFineTuneInput) {
  return {
    onStep: input.onStep,
    onProgress: input.onProgress,
    shouldStop: input.shouldStop,
    abortStep: input.shouldStop,
    checkpoint: input.checkpoint,
  };
}

/** DP-SGD fine-tuning in place; returns the final state and epsilon spent. */
export async function dpFineTune(input: DPFineTuneInput) {
  const { model, kdTeacher } = input;
  if (kdTeacher) {
    // The (already DP) teacher's logits on the rows being scored are constants for the student:
    // computed once per batch tensor and reused if the loss is asked again for the same batch.
    let cache: { inputs: tf.Tensor; logits: tf.Tensor3D } | null = null;
    const rowLoss = (logits: tf.Tensor3D, batch: TokenBatch) => {
      if (!cache || cache.inputs !== batch.inputs) {
        cache?.logits.dispose();
        const teacherLogits = tf.tidy(
          () => forward(kdTeacher.model.params, kdTeacher.model.config, batch.inputs).logits,
        );
        cache = { inputs: batch.inputs, logits: tf.keep(teacherLogits) };
      }
      return perExampleKDLoss(logits, cache.logits, batch, kdTeacher.config);
    };
    try {
      return await trainWithDP({
        params: model.params,
        config: model.config,
        documentWindows: input.documentWindows,
        padId: model.tokenizer.padId,
        plan: input.plan,
        training: { ...input.training, rowLoss },
        hooks: dpHooks(input),
        resume: input.resume,
        partOfPlan: input.partOfPlan,
      });
    } finally {
      (cache as { logits: tf.Tensor } | null)?.logits.dispose();
    }
  }
  return trainWithDP({
    params: model.params,
    config: model.config,
    documentWindows: input.documentWindows,
    padId: model.tokenizer.padId,
    plan: input.plan,
    training: input.training,
    hooks: dpHooks(input),
    resume: input.resume,
    partOfPlan: input.partOfPlan,
  });
}

export interface FineTuneConfig {
  /** Passes over the windows. */
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Warmup steps (cosine decay to 10% after). */
  warmupSteps: number;
  seed: number;
}

export const DEFAULT_FINE_TUNE: FineTuneConfig = {
  epochs: 1,
  batchSize: 16,
  learningRate: 1e-3,
  warmupSteps: 10,
  seed: 1,
};

function loopSchedule(c: FineTuneConfig, windows: number) {
  const steps = Math.max(1, Math.ceil((c.epochs * windows) / c.batchSize));
  const warmupSteps = Math.min(c.warmupSteps, Math.max(0, steps - 1));
  return {
    steps,
    batchSize: c.batchSize,
    schedule: {
      peak: c.learningRate,
      warmupSteps,
      decay: 'cosine' as const,
      floor: c.learningRate / 10,
      totalSteps: steps,
    },
    weightDecay: 0.01,
    seed: c.seed,
  };
}

/** Progress hooks, stop check, resume state and checkpoints of an ordinary training. */
export interface TrainingControl {
  onStep?: (r: TrainStepReport) => void | Promise<void>;
  shouldStop?: () => boolean;
  resume?: TrainState;
  checkpoint?: { every: number; save: (state: TrainState) => Promise<void> };
}

/** Ordinary (non-private) fine-tuning in place on windows: the non-private upper bounds. */
export async function fineTune(
  model: LoadedModel,
  windows: number[][],
  config: Partial<FineTuneConfig>,
  control: TrainingControl = {},
) {
  const c = { ...DEFAULT_FINE_TUNE, ...config };
  return trainLoop({
    params: model.params,
    config: model.config,
    windows,
    padId: model.tokenizer.padId,
    training: loopSchedule(c, windows.length),
    ...control,
  });
}

/**
 * Windows of synthetic samples for the student: [EOT] + text (+ [EOT] when the teacher ended the
 * sample itself), no control codes (as the paper). A sample cut at maxLength gets no EOT: the
 * student must not learn to end text where the teacher merely ran out of length.
 */
export function syntheticWindows(model: LoadedModel, samples: SyntheticSample[]): number[][] {
  const t = model.tokenizer;
  return samples.flatMap((s) =>
    documentWindows(
      [t.eotId, ...t.encode(s.text), ...(s.complete === false ? [] : [t.eotId])],
      model.config.contextLength,
    ),
  );
}

export interface ProjectionArrays {
  weight: Float32Array;
  bias: Float32Array;
}

export interface DistillInput {
  teacher: LoadedModel;
  student: LoadedModel;
  windows: number[][];
  training: Partial<FineTuneConfig>;
  distillation: Partial<DistillationConfig>;
  onStep?: (r: TrainStepReport) => void | Promise<void>;
  shouldStop?: () => boolean;
  resume?: { state: TrainState; projection?: ProjectionArrays };
  checkpoint?: { every: number; save: (state: TrainState, projection?: ProjectionArrays) => Promise<void> };
}

/**
 * DistilDP step 3: the student learns from the synthetic text with hard labels and the teacher's
 * soft labels (computed on the fly, outside the gradient tape) and, when alpha > 0, aligns its final
 * hidden state to the teacher's through a learned projection (widths may differ). No DP needed.
 */
export async function distillStudent(input: DistillInput) {
  const c = { ...DEFAULT_FINE_TUNE, ...input.training };
  const kd = { ...DEFAULT_DISTILLATION, ...input.distillation };
  const { teacher, student } = input;
  if (teacher.config.contextLength < student.config.contextLength) {
    throw new Error('the teacher context must cover the student context');
  }
  const projection =
    kd.alpha > 0 ? createProjection(student.config.nEmbd, teacher.config.nEmbd, c.seed) : null;
  if (projection && input.resume?.projection) {
    const { weight, bias } = input.resume.projection;
    tf.tidy(() => {
      projection.weight.assign(tf.tensor(weight, projection.weight.shape));
      projection.bias.assign(tf.tensor(bias, projection.bias.shape));
    });
  }
  const projectionArrays = async (): Promise<ProjectionArrays | undefined> =>
    projection
      ? {
          weight: (await projection.weight.data()) as Float32Array,
          bias: (await projection.bias.data()) as Float32Array,
        }
      : undefined;
  const trainable: Params = new Map(student.params);
  if (projection) {
    trainable.set('distill.projection.weight', projection.weight);
    trainable.set('distill.projection.bias', projection.bias);
  }
  // Hard labels only (the synthetic-only baseline): the teacher is not run at all.
  const needsTeacher = kd.lambda > 0 || kd.alpha > 0;
  let targets: { inputs: tf.Tensor; logits: tf.Tensor3D; hidden?: tf.Tensor3D } | null = null;
  const result = await trainLoop({
    params: student.params,
    config: student.config,
    windows: input.windows,
    padId: student.tokenizer.padId,
    trainable,
    training: loopSchedule(c, input.windows.length),
    objective: (params, batch) => {
      if (needsTeacher && (!targets || targets.inputs !== batch.inputs))
        throw new Error('distillation: teacher targets missing');
      const out = forward(params, student.config, batch.inputs, { returnHidden: kd.alpha > 0 });
      return distillationLoss(out.logits, out.hidden, targets, batch, projection, kd).total;
    },
    // Teacher soft labels (and hidden states) per batch, outside the student's gradient tape.
    prepareBatch: !needsTeacher
      ? undefined
      : (batch) => {
          const [logits, hidden] = tf.tidy(() => {
            const out = forward(teacher.params, teacher.config, batch.inputs, { returnHidden: kd.alpha > 0 });
            return out.hidden ? [out.logits, out.hidden] : [out.logits];
          }) as tf.Tensor3D[];
          targets = { inputs: batch.inputs, logits, hidden };
          return () => {
            tf.dispose(hidden ? [logits, hidden] : [logits]);
            targets = null;
          };
        },
    onStep: input.onStep,
    shouldStop: input.shouldStop,
    resume: input.resume?.state,
    checkpoint: input.checkpoint && {
      every: input.checkpoint.every,
      save: async (state) => input.checkpoint!.save(state, await projectionArrays()),
    },
  });
  const finalProjection = await projectionArrays();
  if (projection) tf.dispose([projection.weight, projection.bias]);
  return { ...result, projection: finalProjection };
}

export async function evaluateModel(
  model: LoadedModel,
  windows: number[][],
  onProgress?: (done: number, total: number) => void,
): Promise<EvaluationResult> {
  return evaluatePerplexity(model.params, model.config, windows, {
    batchSize: 16,
    padId: model.tokenizer.padId,
    tokenByteLength: (id) => model.tokenizer.tokenBytes(id).length,
    onProgress,
  });
}
