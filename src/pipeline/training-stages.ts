/**
 * The resumable training stages: a DP training (DP-SGD, optionally with the DPKD loss) and an
 * ordinary training (distillation, non-private fine-tuning). Each checkpoints the model, the
 * optimizer moments and its progress, and rebuilds them from a partial checkpoint on resume.
 */

import { paramsToArrays } from '../model/params';
import type { LoraTrainingState } from '../train/dp-parameters';
import type { DPTrainingConfig, PrivacyPlan } from '../train/dp-plan';
import type { DPTrainingState } from '../train/dp-train';
import type { TrainState, TrainStepReport } from '../train/train-loop';
import type { Checkpoint, CheckpointArrays } from './checkpoint';
import { dpFineTune, type ProjectionArrays } from './model-tasks';
import type { LoadedModel } from './models';
import type { DPStageSpec, DPTrainingValue, MethodStageSpec, TrainingValue } from './stage-registry';
import { type RunContext, runStage, snapshot, trackedModel, validator } from './stage-runner';

type Extras = CheckpointArrays['extras'];

/** A partial LoRA run's factors and frozen weights as checkpoint extras (`lora.A|base.<name>`). */
function loraToExtras(lora: LoraTrainingState | undefined): Extras {
  if (!lora) return undefined;
  const out: NonNullable<Extras> = {};
  for (const [kind, arrays] of [
    ['adapter', lora.adapters],
    ['base', lora.base],
  ] as const)
    for (const [name, data] of arrays) out[`lora.${kind}.${name}`] = { shape: [data.length], data };
  return out;
}

function loraFromExtras(extras: Extras): LoraTrainingState | undefined {
  const entries = Object.entries(extras ?? {}).filter(([k]) => k.startsWith('lora.'));
  if (entries.length === 0) return undefined;
  const of = (kind: string) =>
    new Map(
      entries
        .filter(([k]) => k.startsWith(`lora.${kind}.`))
        .map(([k, v]) => [k.slice(`lora.${kind}.`.length), v.data] as const),
    );
  return { adapters: of('adapter'), base: of('base') };
}

/** The model a training stage produced: trained now, or rebuilt from its finished checkpoint. */
export interface TrainedModel {
  model: LoadedModel;
  /** Seconds the stage took (over every session that worked on it). */
  seconds: number;
}

export interface DPTrainingInput {
  base: LoadedModel;
  plan: PrivacyPlan;
  training: Partial<DPTrainingConfig>;
  /** DPKD: distil from this (already DP) teacher with the per-row KD loss. */
  kdTeacher?: LoadedModel;
  /**
   * Train on part `index` of `count` disjoint parts of the training documents (per-code teachers),
   * with the plan's q, sigma and steps (trainWithDP's partOfPlan). The parts run one after another
   * and are charted as one training of count x steps: part k's step s is step k x steps + s, and
   * its epsilon is at least that of the parts before (one document is in one part only, so the
   * run's epsilon is the largest part's: parallel composition).
   */
  part?: { documentWindows: number[][][]; index: number; count: number };
}

/** A DP training (resumable); a partial checkpoint made under another privacy plan is refused. */
export async function dpTrainingStage(
  ctx: RunContext,
  spec: DPStageSpec,
  input: DPTrainingInput,
): Promise<TrainedModel> {
  const { base, plan, part } = input;
  const { owner: method, role, stage } = spec;
  const c = ctx.config;
  // Steps and epsilon as the chart of all parts shows them (identity for an ordinary training).
  const offset = part ? part.index * plan.steps : 0;
  const total = part ? part.count * plan.steps : plan.steps;
  const epsilonBefore = part && part.index > 0 ? plan.epsilon : 0;
  if (!part || part.index === 0) ctx.events.plan?.(method, role, plan, part?.count ?? 1);
  let model: LoadedModel | undefined;
  const validate = validator(ctx, method, role, stage, () => model);
  const { checkpoint, seconds } = await runStage(ctx, spec, async (partial) => {
    const was = partial?.value.plan;
    if (was && (was.q !== plan.q || was.sigma !== plan.sigma || was.steps !== plan.steps)) {
      throw new Error(
        `${spec.key}: the privacy settings changed since this run was saved (q, sigma, steps); start a new run`,
      );
    }
    const m = trackedModel(ctx, base, partial?.models?.model?.arrays ?? (await paramsToArrays(base.params)));
    model = m;
    const resume: DPTrainingState | undefined = partial
      ? {
          step: partial.value.step,
          optimizer: partial.optimizer!,
          epsilonHistory: partial.value.epsilonHistory,
          lora: loraFromExtras(partial.extras),
        }
      : undefined;
    const toCheckpoint = async (state: DPTrainingState): Promise<Checkpoint<DPTrainingValue>> => {
      const done = state.step >= plan.steps;
      return {
        status: done ? 'done' : 'partial',
        value: {
          step: state.step,
          epsilonHistory: state.epsilonHistory,
          plan: { q: plan.q, sigma: plan.sigma, steps: plan.steps },
        },
        models: { model: await snapshot(m) },
        optimizer: done ? undefined : state.optimizer,
        extras: done ? undefined : loraToExtras(state.lora),
      };
    };
    const result = await dpFineTune({
      model: m,
      documentWindows: part?.documentWindows ?? ctx.corpus.trainDocumentWindows,
      partOfPlan: part !== undefined,
      plan,
      training: input.training,
      kdTeacher: input.kdTeacher
        ? {
            model: input.kdTeacher,
            config: { lambda: c.distillation.lambda, temperature: c.distillation.temperature },
          }
        : undefined,
      onStep: async (r) => {
        const shown = {
          ...r,
          step: offset + r.step,
          totalSteps: total,
          epsilon: Math.max(r.epsilon, epsilonBefore),
        };
        ctx.events.progress?.({ method, stage, done: shown.step, total });
        await ctx.events.dpStep?.(method, role, shown);
        await validate(shown.step, total);
      },
      // A DP step of a large expected batch takes seconds: progress (and the ETA) move within it.
      onProgress: (steps) => ctx.events.progress?.({ method, stage, done: offset + steps, total }),
      shouldStop: ctx.events.shouldStop,
      resume,
      checkpoint: {
        every: c.checkpointEvery.dp,
        save: async (state) => ctx.checkpoints.save(spec.key, await toCheckpoint(state)),
      },
    });
    return toCheckpoint(result.state);
  });
  model ??= trackedModel(ctx, base, checkpoint.models!.model.arrays);
  return { model, seconds };
}

/** What an ordinary training gets: the model to train, where to resume, how to checkpoint. */
export interface TrainingRun {
  model: LoadedModel;
  resume: { state: TrainState; projection?: ProjectionArrays } | undefined;
  save: (state: TrainState, projection?: ProjectionArrays) => Promise<void>;
  /** Progress, chart and validation hooks, and the stop check, for the training loop. */
  hooks: {
    onStep: (r: TrainStepReport) => Promise<void>;
    shouldStop: (() => boolean) | undefined;
  };
}

/** An ordinary training (resumable): distillation or non-private fine-tuning of `base`. */
export async function trainingStage(
  ctx: RunContext,
  spec: MethodStageSpec<TrainingValue>,
  role: 'teacher' | 'student',
  base: LoadedModel,
  train: (
    run: TrainingRun,
  ) => Promise<{ state: TrainState; completed: boolean; projection?: ProjectionArrays }>,
): Promise<TrainedModel> {
  const method = spec.owner;
  let model: LoadedModel | undefined;
  const { checkpoint, seconds } = await runStage(ctx, spec, async (partial) => {
    const m = trackedModel(ctx, base, partial?.models?.model?.arrays ?? (await paramsToArrays(base.params)));
    model = m;
    const toCheckpoint = async (
      state: TrainState,
      done: boolean,
      projection?: ProjectionArrays,
    ): Promise<Checkpoint<TrainingValue>> => ({
      status: done ? 'done' : 'partial',
      value: { step: state.step },
      models: { model: await snapshot(m) },
      optimizer: done ? undefined : state.optimizer,
      extras:
        projection && !done
          ? {
              'projection.weight': { shape: [projection.weight.length], data: projection.weight },
              'projection.bias': { shape: [projection.bias.length], data: projection.bias },
            }
          : undefined,
    });
    const resume = partial
      ? {
          state: { step: partial.value.step, optimizer: partial.optimizer! },
          projection: partial.extras?.['projection.weight']
            ? {
                weight: partial.extras['projection.weight'].data,
                bias: partial.extras['projection.bias'].data,
              }
            : undefined,
        }
      : undefined;
    const validate = validator(ctx, method, role, spec.stage, () => m);
    const result = await train({
      model: m,
      resume,
      save: async (s, p) => ctx.checkpoints.save(spec.key, await toCheckpoint(s, false, p)),
      hooks: {
        onStep: async (r) => {
          ctx.events.progress?.({ method, stage: spec.stage, done: r.step, total: r.totalSteps });
          await ctx.events.trainStep?.(method, role, r);
          await validate(r.step, r.totalSteps);
        },
        shouldStop: ctx.events.shouldStop,
      },
    });
    return toCheckpoint(result.state, result.completed, result.projection);
  });
  model ??= trackedModel(ctx, base, checkpoint.models!.model.arrays);
  return { model, seconds };
}
