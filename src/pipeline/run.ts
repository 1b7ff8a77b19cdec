/**
 * The DistilDP pipeline and its baselines at the same total (epsilon, delta), as one runner that
 * produces one table (docs/METHOD.md), one function per method (methods/):
 * - distildp:   DP teacher (DP-SGD at epsilon, composed with the DP control-code histogram) ->
 *               synthetic corpus -> student distilled on it (CE + KL + hidden MSE), no further cost;
 * - synthetic:  the same teacher and corpus, student trained with hard labels only (lambda = 0);
 * - opd:        the same teacher and corpus, student trained by on-policy distillation (its own
 *               samples scored by the teacher, mixed with the synthetic windows);
 * - dpsgd:      the student fine-tuned on the private data with DP-SGD at epsilon;
 * - dpkd:       teacher DP-SGD at epsilon/2, then the student DP-SGD with the KD loss on the private
 *               data, calibrated so that the tight composition of both phases is epsilon;
 * - nonprivate: teacher and student fine-tuned without DP (upper bounds; epsilon = infinity).
 * Every DP row carries a privacy report from which `distildp epsilon` reproduces its epsilon.
 *
 * A run is a sequence of named stages (stage-registry.ts) whose results (and, for long stages,
 * periodic partial states) are saved as checkpoints (checkpoint.ts), so a stopped or crashed run
 * resumes where it was. The browser worker and the CLI both call runPipeline.
 */

import type { Document } from '../data/types';
import { type Checkpoints, MemoryCheckpoints } from './checkpoint';
import { type PipelineOptions, resolvePipelineConfig } from './config';
import { type PreparedCorpus, prepareCorpus } from './corpus';
import type { PipelineEvents } from './events';
import { runDistilDP } from './methods/distildp';
import { runDPKD } from './methods/dpkd';
import { runDPSGD } from './methods/dpsgd';
import { runNonPrivate } from './methods/nonprivate';
import { runOnPolicy } from './methods/opd';
import { checkCompatible, disposeModel, type LoadedModel } from './models';
import { planPipelinePrivacy } from './plan';
import { ALL_METHODS, type PrivacyReport, type ResultRow } from './results';
import type { BaseEvaluation } from './stage-registry';
import { baseEvaluationStage, type RunContext, Stopped } from './stage-runner';
import type { SyntheticCorpus } from './synthetic';

export interface PipelineResult {
  results: ResultRow[];
  reports: PrivacyReport[];
  /** The base models' test numbers (absent only when the run was stopped before they were known). */
  base?: BaseEvaluation;
  /**
   * Split sizes (N is treated as public by the neighbouring relation) and the number of control
   * codes RELEASED by the DP histogram. Never the exact number of distinct training codes: a code
   * held by one document would change it.
   */
  corpus: { train: number; validation: number; test: number; test_windows: number; codes_released: number };
  synthetic?: SyntheticCorpus;
  /** The DistilDP student and DP teacher (the caller disposes them), when distildp finished. */
  distildp?: { student: LoadedModel; teacher: LoadedModel };
  /** True when shouldStop ended the run early; resume with the same checkpoints. */
  stopped: boolean;
}

export async function runPipeline(input: {
  documents: Document[];
  teacher: LoadedModel;
  student: LoadedModel;
  /** Laid over the library defaults (resolvePipelineConfig); a resolved config passes unchanged. */
  config?: PipelineOptions;
  events?: PipelineEvents;
  checkpoints?: Checkpoints;
  /** The privacy audit's canary documents, added to the training split (src/audit; never a user's run). */
  extraTrainingDocuments?: Document[];
}): Promise<PipelineResult> {
  const c = resolvePipelineConfig(input.config);
  const events = input.events ?? {};
  const base = { teacher: input.teacher, student: input.student };
  checkCompatible(base.teacher, base.student);
  const unknown = c.methods.filter((m) => !ALL_METHODS.includes(m));
  if (unknown.length)
    throw new Error(`unknown methods: ${unknown.join(', ')} (known: ${ALL_METHODS.join(', ')})`);
  if (!(c.epsilon > 0)) throw new Error(`epsilon must be > 0, got ${c.epsilon}`);
  if (c.data.useControlCodes && c.histogram.mode === 'uniform' && !c.histogram.codes?.length)
    throw new Error(
      "histogram mode 'uniform' needs the list of control codes declared by the user (it is never taken from the data)",
    );

  const contextLength = Math.min(base.teacher.config.contextLength, base.student.config.contextLength);
  const corpus = prepareCorpus(input.documents, base.teacher.tokenizer, {
    contextLength,
    seed: c.seed,
    ...c.split,
    useControlCodes: c.data.useControlCodes,
    extraTraining: input.extraTrainingDocuments,
  });
  const n = corpus.train.length;
  if (corpus.testWindows.length === 0)
    throw new Error(
      `the test split has no evaluation windows (${corpus.test.length} test documents of ${input.documents.length}: each document goes to test by itself, with probability ${c.split.testFraction ?? 0.1}); add documents`,
    );
  const plan = planPipelinePrivacy(c, { trainDocuments: n, useControlCodes: corpus.useControlCodes });
  const delta = plan.delta;
  events.log?.(
    `${n} training documents (${corpus.validation.length} validation, ${corpus.test.length} test), delta ${delta.toExponential(2)}, control codes ${corpus.useControlCodes ? 'on' : 'off'}`,
  );
  const ctx: RunContext = {
    config: c,
    events,
    checkpoints: input.checkpoints ?? new MemoryCheckpoints(),
    corpus,
    plan,
    results: [],
    reports: [],
    live: [],
  };
  let baseEvaluation: BaseEvaluation | undefined;
  const finish = (stopped: boolean, distildp?: PipelineResult['distildp'], synthetic?: SyntheticCorpus) => ({
    results: ctx.results,
    reports: ctx.reports,
    base: baseEvaluation,
    corpus: corpusSummary(corpus, ctx.reports),
    synthetic,
    distildp,
    stopped,
  });
  let synthetic: SyntheticCorpus | undefined;
  let distildp: PipelineResult['distildp'];
  try {
    baseEvaluation = await baseEvaluationStage(ctx, base);
    events.log?.(
      `base models: teacher PPL ${baseEvaluation.teacher.perplexity.toFixed(2)}, student PPL ${baseEvaluation.student.perplexity.toFixed(2)}`,
    );
    if (c.methods.includes('distildp') || c.methods.includes('synthetic') || c.methods.includes('opd')) {
      const out = await runDistilDP(ctx, base);
      ({ synthetic, models: distildp } = out);
      if (c.methods.includes('opd'))
        await runOnPolicy(ctx, {
          baseStudent: base.student,
          teacher: out.shared.teacher,
          samples: out.synthetic.samples,
          windows: out.shared.windows,
          report: out.shared.report,
          sharedSeconds: out.shared.seconds,
          fidelity: out.shared.fidelity,
        });
    }
    if (c.methods.includes('dpsgd')) await runDPSGD(ctx, base.student);
    if (c.methods.includes('dpkd')) await runDPKD(ctx, base);
    if (c.methods.includes('nonprivate')) await runNonPrivate(ctx, base);
  } catch (e) {
    for (const m of ctx.live) disposeModel(m);
    if (!(e instanceof Stopped)) throw e;
    return finish(true, undefined, synthetic);
  }
  for (const m of ctx.live) if (m !== distildp?.student && m !== distildp?.teacher) disposeModel(m);
  return finish(false, distildp, synthetic);
}

function corpusSummary(c: PreparedCorpus, reports: PrivacyReport[]): PipelineResult['corpus'] {
  return {
    train: c.train.length,
    validation: c.validation.length,
    test: c.test.length,
    test_windows: c.testWindows.length,
    codes_released: reports.find((r) => r.histogram)?.histogram?.codes_released ?? 0,
  };
}
