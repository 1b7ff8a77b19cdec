/**
 * The privacy plan of a run before it starts: the same split, delta, histogram phase and
 * calibration as src/pipeline/run.ts applies to DistilDP's DP teacher, so the sigma, steps and
 * epsilon curve shown in the budget panel are the ones the run will use.
 */
import type { Tokenizer } from '../data/tokenizer';
import type { Document } from '../data/types';
import { computeEpsilon, defaultDelta, deltaWarning } from '../dp/accounting/index';
import { type PreparedCorpus, prepareCorpus } from '../pipeline/corpus';
import { DEFAULT_PIPELINE, type PipelineConfig } from '../pipeline/run';
import { type PrivacyPlan, plannedEpsilonCurve, planPrivacy } from '../train/dp-train';
import type { PlanSummary } from './protocol';
import { pipelineConfigFor, type RunSettings } from './run-settings';

/** Points of the expected epsilon curve. */
export const PLAN_CURVE_POINTS = 60;

/** Share of the run's delta spent on releasing the control-code set (as run.ts: delta / 100). */
const THRESHOLD_DELTA_SHARE = 1 / 100;

export interface PlanInput {
  documents: Document[];
  tokenizer: Tokenizer;
  contextLength: number;
  settings: RunSettings;
}

/** The corpus a run with these settings trains on (the split and windows runPipeline makes). */
export function runCorpus(input: PlanInput): { corpus: PreparedCorpus; config: PipelineConfig } {
  const config: PipelineConfig = { ...DEFAULT_PIPELINE, ...pipelineConfigFor(input.settings) };
  if (input.documents.length < 3)
    throw new Error(`need at least 3 documents (train, validation, test), found ${input.documents.length}`);
  const corpus = prepareCorpus(input.documents, input.tokenizer, {
    contextLength: input.contextLength,
    seed: config.seed,
    ...config.split,
  });
  return { corpus, config };
}

export function planRun(input: PlanInput): { summary: PlanSummary; plan: PrivacyPlan } {
  const { corpus, config: c } = runCorpus(input);
  const n = corpus.train.length;
  if (n < 2) throw new Error(`the training split has ${n} usable document(s); DP training needs at least 2`);
  const delta = c.delta ?? defaultDelta(n);
  const release =
    corpus.useControlCodes && c.histogram.mode === 'dp'
      ? { sigma: c.histogram.sigma, deltaThreshold: delta * THRESHOLD_DELTA_SHARE }
      : null;
  const histogramPhase = release ? [{ q: 1, sigma: release.sigma, steps: 1 }] : [];
  const plan = planPrivacy(
    n,
    { ...c.teacherDP, targetEpsilon: c.epsilon, delta: delta - (release?.deltaThreshold ?? 0) },
    histogramPhase,
  );
  const histogram = release
    ? { ...release, epsilon: computeEpsilon(histogramPhase, plan.delta, plan.accountant) }
    : null;
  const summary: PlanSummary = {
    documents: {
      total: input.documents.length,
      train: input.documents.length - corpus.validation.length - corpus.test.length,
      validation: corpus.validation.length,
      test: corpus.test.length,
    },
    trainUsable: n,
    useControlCodes: corpus.useControlCodes,
    controlCodes: corpus.useControlCodes ? corpus.controlCodes.length : 0,
    targetEpsilon: c.epsilon,
    sigma: plan.sigma,
    q: plan.q,
    steps: plan.steps,
    delta,
    deltaRule: c.delta === undefined ? 'default' : 'user',
    defaultDelta: defaultDelta(n),
    deltaWarning: deltaWarning(delta, n),
    histogram,
    accountant: plan.accountant,
    clipNorm: plan.clipNorm,
    expectedBatchSize: input.settings.expectedBatchSize,
    epochs: input.settings.epochs,
    epsilon: plan.epsilon,
    curve: plannedEpsilonCurve(plan, PLAN_CURVE_POINTS),
    warnings: plan.warnings,
  };
  return { summary, plan };
}
