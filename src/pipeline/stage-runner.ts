/**
 * How a pipeline stage runs: skipped when its checkpoint says done, resumed from a partial one,
 * timed, saved, and announced to the caller. The method runners (methods/*.ts) are sequences of
 * these calls; everything they share (config, events, checkpoints, the prepared corpus, the rows
 * and reports so far, the models to dispose) travels in one RunContext.
 */
import { paramsFromArrays, paramsToArrays } from '../model/params';
import type { PrivacyPlan } from '../train/dp-plan';
import type { Checkpoint, Checkpoints, ModelArrays } from './checkpoint';
import type { PipelineConfig } from './config';
import type { PreparedCorpus } from './corpus';
import type { PipelineEvents } from './events';
import { evaluateModel } from './model-tasks';
import type { LoadedModel } from './models';
import type { PipelinePrivacyPlan } from './plan';
import {
  type MethodName,
  type PrivacyReport,
  privacyReport,
  publicChoices,
  type ResultRow,
  type StageName,
  type SyntheticFidelity,
} from './results';
import {
  type BaseEvaluation,
  checkpointOf,
  STAGES,
  type StageCheckpoint,
  type StageClock,
  type StageSpec,
} from './stage-registry';

/** Thrown when the caller asked the run to stop; runPipeline turns it into `stopped: true`. */
export class Stopped extends Error {}

export interface RunContext {
  readonly config: PipelineConfig;
  readonly events: PipelineEvents;
  readonly checkpoints: Checkpoints;
  readonly corpus: PreparedCorpus;
  /** Delta, histogram accounting and every DP training's noise (plan.ts). */
  readonly plan: PipelinePrivacyPlan;
  /** Result rows and privacy reports so far, in the order they were produced. */
  readonly results: ResultRow[];
  readonly reports: PrivacyReport[];
  /** Every model the run created; runPipeline disposes those it does not return. */
  readonly live: LoadedModel[];
}

export function throwIfStopped(ctx: RunContext): void {
  if (ctx.events.shouldStop?.()) throw new Stopped('stopped');
}

/** A new model with `base`'s config and tokenizer and the given weights, disposed with the run. */
export function trackedModel(
  ctx: RunContext,
  base: LoadedModel,
  arrays: Map<string, Float32Array>,
): LoadedModel {
  const m: LoadedModel = { ...base, params: paramsFromArrays(base.config, arrays), warnings: [] };
  ctx.live.push(m);
  return m;
}

export async function snapshot(m: LoadedModel): Promise<ModelArrays> {
  return { config: m.config, arrays: await paramsToArrays(m.params) };
}

type PartialOf<C> = Extract<C, { status: 'partial' }>;

/**
 * Runs one stage unless its checkpoint is done: `run` gets the partial checkpoint (if any) and
 * returns a done one, or a partial one when it was stopped (saved; the run then stops). The stage
 * clock adds this session's seconds to those saved before.
 */
export async function runStage<Done, Progress>(
  ctx: RunContext,
  spec: StageSpec<Done, Progress>,
  run: (
    partial: PartialOf<StageCheckpoint<Done, Progress>> | undefined,
  ) => Promise<Checkpoint<Done, Progress>>,
): Promise<{ value: Done & StageClock; checkpoint: StageCheckpoint<Done, Progress>; seconds: number }> {
  const ev = ctx.events;
  const existing = checkpointOf(spec, await ctx.checkpoints.load(spec.key));
  if (existing?.status === 'done') {
    ev.stage?.({ method: spec.owner, stage: spec.stage, status: 'skipped', detail: 'done before' });
    return { value: existing.value, checkpoint: existing, seconds: existing.value.seconds ?? 0 };
  }
  throwIfStopped(ctx);
  ev.stage?.({
    method: spec.owner,
    stage: spec.stage,
    status: 'start',
    detail: existing ? 'resuming' : undefined,
  });
  const t0 = performance.now();
  const outcome = await run(existing);
  const seconds = (performance.now() - t0) / 1000 + (existing?.value.seconds ?? 0);
  if (outcome.status === 'partial') {
    await ctx.checkpoints.save(spec.key, { ...outcome, value: { ...outcome.value, seconds } });
    throw new Stopped('stopped');
  }
  const done: StageCheckpoint<Done, Progress> = { ...outcome, value: { ...outcome.value, seconds } };
  await ctx.checkpoints.save(spec.key, done);
  ev.stage?.({ method: spec.owner, stage: spec.stage, status: 'end' });
  return { value: done.value, checkpoint: done, seconds };
}

/** Validation perplexity on a slice of the validation split every ~total/points steps and at the last. */
export function validator(
  ctx: RunContext,
  method: MethodName,
  role: 'teacher' | 'student',
  stage: StageName,
  model: () => LoadedModel | undefined,
): (step: number, total: number) => Promise<void> {
  const { validation } = ctx.config;
  const windows = ctx.corpus.validationWindows.slice(0, validation.maxWindows);
  return async (step, total) => {
    const m = model();
    if (!ctx.events.validation || validation.points <= 0 || windows.length === 0 || !m) return;
    const every = Math.max(1, Math.round(total / validation.points));
    if (step % every !== 0 && step !== total) return;
    const r = await evaluateModel(m, windows);
    ctx.events.validation(method, role, { stage, step, perplexity: r.perplexity });
  };
}

/**
 * Both base models on the test split, before any training: a stage with progress (it takes
 * minutes on a slow backend) that stops between batches, saved so a resumed run skips it.
 */
export async function baseEvaluationStage(
  ctx: RunContext,
  base: { teacher: LoadedModel; student: LoadedModel },
): Promise<BaseEvaluation> {
  const windows = ctx.corpus.testWindows;
  const { value } = await runStage(ctx, STAGES.baseModels, async () => {
    const progress = (offset: number) => (done: number) => {
      ctx.events.progress?.({
        method: 'shared',
        stage: 'evaluate',
        done: offset + done,
        total: 2 * windows.length,
      });
      throwIfStopped(ctx);
    };
    const teacher = await evaluateModel(base.teacher, windows, progress(0));
    const student = await evaluateModel(base.student, windows, progress(windows.length));
    return { status: 'done', value: { teacher, student } };
  });
  const out = { teacher: value.teacher, student: value.student };
  ctx.events.baseEvaluation?.(out);
  return out;
}

/** The test-set evaluation of a trained model (resumable): adds its row to the results. */
export async function evaluationStage(
  ctx: RunContext,
  method: MethodName,
  role: 'student' | 'teacher',
  model: LoadedModel,
  privacy: { epsilon: number | null; delta: number | null },
  /** Seconds of the stages that produced the model (added to the row's wall time). */
  seconds: number,
  /** For a student of the synthetic text: that text's fidelity (fidelity.ts). */
  syntheticFidelity?: SyntheticFidelity,
): Promise<void> {
  const { value: v } = await runStage(ctx, STAGES.evaluate(method, role), async () => {
    const e = await evaluateModel(model, ctx.corpus.testWindows, (done, total) => {
      ctx.events.progress?.({ method, stage: 'evaluate', done, total });
      throwIfStopped(ctx);
    });
    return {
      status: 'done',
      value: {
        method,
        model: role,
        epsilon: privacy.epsilon,
        delta: privacy.delta,
        test_ppl: e.perplexity,
        window_mean_ppl: e.windowMeanPerplexity,
        bits_per_byte: e.bitsPerByte,
        wall_s: 0,
      },
    };
  });
  const row: ResultRow = {
    method: v.method,
    model: v.model,
    epsilon: v.epsilon,
    delta: v.delta,
    test_ppl: v.test_ppl,
    window_mean_ppl: v.window_mean_ppl,
    bits_per_byte: v.bits_per_byte,
    wall_s: seconds + (v.seconds ?? 0),
    ...(syntheticFidelity ? { synthetic_fidelity: syntheticFidelity } : {}),
  };
  ctx.results.push(row);
  ctx.events.result?.(row);
}

/**
 * A DP baseline's end: its privacy report (from the plan of its last DP training, prior phases
 * included; no histogram) and the test-set row of its student.
 */
export async function reportAndEvaluateStudent(
  ctx: RunContext,
  method: MethodName,
  plan: PrivacyPlan,
  student: LoadedModel,
  seconds: number,
): Promise<void> {
  const report = privacyReport(method, plan, 0, publicChoices(ctx.config));
  ctx.reports.push(report);
  await evaluationStage(
    ctx,
    method,
    'student',
    student,
    { epsilon: report.epsilon, delta: report.delta },
    seconds,
  );
}
