/**
 * What a pipeline run tells its caller as it goes (the worker forwards these to the UI, the CLI
 * prints them). Every callback is optional.
 */

import type { PrivacyPlan } from '../train/dp-plan';
import type { DPStepReport } from '../train/dp-train';
import type { TrainStepReport } from '../train/train-loop';
import type { MethodName, ResultRow, StageName, StageOwner } from './results';
import type { BaseEvaluation } from './stage-registry';

export interface PipelineEvents {
  stage?: (e: {
    method: StageOwner;
    stage: StageName;
    status: 'start' | 'end' | 'skipped';
    detail?: string;
  }) => void;
  progress?: (e: { method: StageOwner; stage: StageName; done: number; total: number }) => void;
  /** One DP-SGD step (a logical step: one Poisson sample, one noisy update) of a DP training. */
  dpStep?: (method: MethodName, model: 'teacher' | 'student', r: DPStepReport) => void | Promise<void>;
  /** One optimizer update of an ordinary training (distillation, non-private fine-tuning). */
  trainStep?: (method: MethodName, model: 'teacher' | 'student', r: TrainStepReport) => void | Promise<void>;
  /** Validation perplexity of a model during its training (see PipelineConfig.validation). */
  validation?: (
    method: MethodName,
    model: 'teacher' | 'student',
    e: { stage: StageName; step: number; perplexity: number },
  ) => void;
  /** The privacy plan of a DP training, before it starts (for the expected-epsilon chart). */
  /**
   * A DP training's plan, before it starts. `parts` > 1: the plan runs once per part of a partition
   * of the documents (per-code teachers), one part after another, charted as parts x plan.steps steps.
   */
  plan?: (method: MethodName, model: 'teacher' | 'student', plan: PrivacyPlan, parts: number) => void;
  sample?: (labels: string[], text: string) => void;
  /** The base models' test-set numbers (evaluated first, or read back from their checkpoint). */
  baseEvaluation?: (e: BaseEvaluation) => void;
  result?: (row: ResultRow) => void;
  log?: (message: string) => void;
  /** Checked between stages and inside every loop: true stops the run (its progress is saved). */
  shouldStop?: () => boolean;
}
