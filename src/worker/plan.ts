/**
 * The budget panel's plan of a run before it starts: the pipeline's own planner
 * (pipeline/plan.ts) on the same split and config, so the sigma, steps and epsilon curve shown are
 * the ones the run will use.
 */

import type { PlanSummary } from '../contract/protocol';
import type { RunSettings } from '../contract/run-settings';
import type { Tokenizer } from '../data/tokenizer';
import type { Document, IngestOptions } from '../data/types';
import { computeEpsilon, defaultDelta, deltaWarning } from '../dp/accounting/index';
import type { PipelineConfig } from '../pipeline/config';
import { type PreparedCorpus, prepareCorpus } from '../pipeline/corpus';
import { type PipelinePrivacyPlan, planPipelinePrivacy } from '../pipeline/plan';
import { type PrivacyPlan, plannedEpsilonCurve } from '../train/dp-plan';
import { pipelineConfigFor } from './run-config';

/** Points of the expected epsilon curve. */
export const PLAN_CURVE_POINTS = 60;

export interface PlanInput {
  documents: Document[];
  tokenizer: Tokenizer;
  contextLength: number;
  settings: RunSettings;
  /** The options the documents were read with (the data choices of the run). */
  ingestOptions?: Partial<IngestOptions>;
}

/** The corpus a run with these settings trains on (the split and windows runPipeline makes). */
export function runCorpus(input: PlanInput): { corpus: PreparedCorpus; config: PipelineConfig } {
  const config = pipelineConfigFor(input.settings, input.ingestOptions);
  if (input.documents.length < 3)
    throw new Error(`need at least 3 documents (train, validation, test), found ${input.documents.length}`);
  const corpus = prepareCorpus(input.documents, input.tokenizer, {
    contextLength: input.contextLength,
    seed: config.seed,
    ...config.split,
    useControlCodes: config.data.useControlCodes,
  });
  return { corpus, config };
}

export interface PlannedRun {
  summary: PlanSummary;
  plan: PrivacyPlan;
  /** What the estimate of the run time needs (the corpus, resolved config and privacy plans). */
  corpus: PreparedCorpus;
  config: PipelineConfig;
  planned: PipelinePrivacyPlan;
}

export function planRun(input: PlanInput): PlannedRun {
  const { corpus, config: c } = runCorpus(input);
  const n = corpus.train.length;
  if (n < 2) throw new Error(`the training split has ${n} usable document(s); DP training needs at least 2`);
  const planned = planPipelinePrivacy(c, { trainDocuments: n, useControlCodes: corpus.useControlCodes });
  const { delta } = planned;
  const plan = planned.distildpTeacher();
  // What the histogram release costs alone (where the expected curve starts from).
  const histogram =
    planned.histogram?.mode === 'dp'
      ? {
          sigma: planned.histogram.sigma,
          deltaThreshold: planned.histogram.deltaThreshold,
          epsilon: computeEpsilon(planned.histogram.phases, plan.delta, plan.accountant),
        }
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
    expectedBatchSize: planned.training.teacher.expectedBatchSize,
    epochs: planned.training.teacher.epochs,
    recipe: {
      batchAndEpochs:
        input.settings.expectedBatchSize === null && input.settings.epochs === null ? 'rule' : 'user',
      parameters: planned.training.teacher.parameters,
      lora: planned.training.teacher.parameters === 'lora' ? planned.training.teacher.lora : undefined,
      learningRate: planned.training.teacher.schedule.peak,
      windowsPerDocument: planned.training.teacher.windowsPerDocument,
      contextLength: input.contextLength,
    },
    epsilon: plan.epsilon,
    curve: plannedEpsilonCurve(plan, PLAN_CURVE_POINTS),
    warnings: plan.warnings,
  };
  return { summary, plan, corpus, config: c, planned };
}
