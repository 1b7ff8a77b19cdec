/**
 * The budget panel's plan of a run before it starts: the pipeline's own planner
 * (pipeline/plan.ts) on the same split and config, so the sigma, steps and epsilon curve shown are
 * the ones the run will use.
 */

import type { PlanSummary } from '../contract/protocol';
import type { RunSettings } from '../contract/run-settings';
import type { Tokenizer } from '../data/tokenizer';
import type { Document, IngestOptions } from '../data/types';
import { defaultDelta, deltaWarning } from '../dp/accounting/index';
import { prepareCorpus } from '../pipeline/corpus';
import { planPipelinePrivacy } from '../pipeline/plan';
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

export function planRun(input: PlanInput): { summary: PlanSummary; plan: PrivacyPlan } {
  const c = pipelineConfigFor(input.settings, input.ingestOptions);
  if (input.documents.length < 3)
    throw new Error(`need at least 3 documents (train, validation, test), found ${input.documents.length}`);
  const corpus = prepareCorpus(input.documents, input.tokenizer, {
    contextLength: input.contextLength,
    seed: c.seed,
    ...c.split,
    useControlCodes: c.data.useControlCodes,
  });
  const n = corpus.train.length;
  if (n < 2) throw new Error(`the training split has ${n} usable document(s); DP training needs at least 2`);
  const planned = planPipelinePrivacy(c, { trainDocuments: n, useControlCodes: corpus.useControlCodes });
  const { delta } = planned;
  const plan = planned.distildpTeacher();
  const histogram =
    planned.histogram?.mode === 'dp'
      ? { sigma: planned.histogram.sigma, deltaThreshold: planned.histogram.deltaThreshold }
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
  return { summary, plan };
}
