/**
 * Per-code DP teachers (PipelineConfig.codeTeachers 'per-code'): one DP teacher per released control
 * code, each trained on that code's training documents with the run's DP plan (q, sigma, steps),
 * and their weighted average as the run's DP teacher.
 *
 * Privacy: the parts are disjoint (a document's code is a function of the document alone) and
 * each teacher sees only its part, so adding or removing one document changes one teacher's input:
 * the K teachers together are (epsilon, delta)-DP with the accounting of one (parallel
 * composition). Nothing about a part's size enters a teacher: Poisson sampling at the plan's q,
 * and the noisy sum divided by the whole set's expected batch (q x N, N public), never the part's.
 * Documents whose code was not released train no teacher. The average's weights are the released
 * (DP) histogram counts, or equal for the uniform prior: post-processing.
 */
import { paramsToArrays } from '../model/params';
import type { PrivacyPlan } from '../train/dp-plan';
import { type CodeCount, codeKey, compareCodes } from './histogram';
import type { LoadedModel } from './models';
import { STAGES } from './stage-registry';
import { type RunContext, runStage, trackedModel } from './stage-runner';
import { dpTrainingStage, type TrainedModel } from './training-stages';

/** Weighted mean of same-shaped weight sets (weights >= 0; all zero: equal weights). */
export function averageWeights(
  sets: Map<string, Float32Array>[],
  weights: number[],
): Map<string, Float32Array> {
  if (sets.length === 0 || sets.length !== weights.length)
    throw new Error('averageWeights: one weight per set');
  const clamped = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  const sum = clamped.reduce((a, b) => a + b, 0);
  const share = sum > 0 ? clamped.map((w) => w / sum) : clamped.map(() => 1 / sets.length);
  const out = new Map<string, Float32Array>();
  for (const [name, first] of sets[0]) {
    const mean = new Float32Array(first.length);
    sets.forEach((set, k) => {
      const values = set.get(name);
      if (!values || values.length !== first.length)
        throw new Error(`averageWeights: ${name} differs between sets`);
      for (let i = 0; i < mean.length; i++) mean[i] += share[k] * values[i];
    });
    out.set(name, mean);
  }
  return out;
}

export interface CodeTeachers {
  /** The run's DP teacher: the weighted average of the parts. */
  teacher: TrainedModel;
  /** Each released code's own teacher, by codeKey of its labels. */
  parts: Map<string, LoadedModel>;
}

/** Trains (or resumes) one DP teacher per released code, then their average (all resumable stages). */
export async function trainCodeTeachers(
  ctx: RunContext,
  base: LoadedModel,
  plan: PrivacyPlan,
  codes: CodeCount[],
): Promise<CodeTeachers> {
  const saved = await ctx.checkpoints.load(STAGES.distildpTeacher.key);
  if (saved?.status === 'partial')
    // A run saved halfway through one joint teacher (before per-code teachers, or with 'joint').
    throw new Error(
      `${STAGES.distildpTeacher.key}: this run was saved while training one teacher for all codes; resume it with code teachers 'joint' or start a new run`,
    );
  const sorted = [...codes].sort((a, b) => compareCodes(a.labels, b.labels));
  const train = ctx.corpus.train;
  const parts = new Map<string, LoadedModel>();
  let seconds = 0;
  for (const [index, code] of sorted.entries()) {
    const key = codeKey(code.labels);
    const documentWindows = ctx.corpus.trainDocumentWindows.filter(
      (_, i) => codeKey(train[i].labels) === key,
    );
    const trained = await dpTrainingStage(ctx, STAGES.codeTeacher(index), {
      base: { ...base, name: `DistilDP teacher (${code.labels.join(' / ')})` },
      plan,
      training: ctx.plan.training.teacher,
      part: { documentWindows, index, count: sorted.length },
    });
    parts.set(key, trained.model);
    seconds += trained.seconds;
  }
  let averaged: LoadedModel | undefined;
  const { checkpoint, seconds: averageSeconds } = await runStage(ctx, STAGES.distildpTeacher, async () => {
    // `parts` holds the teachers in `sorted` order (inserted so above).
    const arrays = averageWeights(
      await Promise.all([...parts.values()].map((m) => paramsToArrays(m.params))),
      sorted.map((c) => c.weight),
    );
    averaged = trackedModel(ctx, base, arrays);
    return {
      status: 'done',
      value: {
        step: plan.steps,
        epsilonHistory: [{ step: plan.steps * sorted.length, epsilon: plan.epsilon }],
        plan: { q: plan.q, sigma: plan.sigma, steps: plan.steps },
      },
      models: { model: { config: base.config, arrays } },
    };
  });
  averaged ??= trackedModel(ctx, base, checkpoint.models!.model.arrays);
  return { teacher: { model: averaged, seconds: seconds + averageSeconds }, parts };
}
