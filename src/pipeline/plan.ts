/**
 * The privacy plan of a run, before anything is trained: delta, the control-code histogram's
 * accounting (its phase and its share of delta) and the calibrated DP-SGD plan of every DP
 * training. The pipeline trains by it and the budget panel (worker/plan.ts) shows it, so the
 * sigma, steps and epsilon curve a user sees are the ones the run uses.
 */
import { defaultDelta, type Phase } from '../dp/accounting/index';
import { type PrivacyPlan, planPrivacy } from '../train/dp-plan';
import type { PipelineConfig } from './config';
import { histogramPhases } from './histogram';
import { type RunDPTrainingConfig, resolveRecipe } from './recipe';

/** The delta spent on releasing the control-code set (Gaussian partition selection): 1% of the run's. */
export function thresholdDeltaOf(runDelta: number): number {
  return runDelta / 100;
}

/**
 * How the control-code histogram is released and accounted: 'dp' noises the counts (sigma) and
 * composes one phase before DP-SGD, spending deltaThreshold on the code set; 'uniform' treats the
 * labels as public and costs nothing.
 */
export type HistogramPlan =
  | { mode: 'dp'; sigma: number; phases: Phase[]; deltaThreshold: number }
  | { mode: 'uniform'; phases: []; deltaThreshold: 0 };

export interface PipelinePrivacyPlan {
  trainDocuments: number;
  /** The run's total delta: the user's, or 1 / N^1.1. */
  delta: number;
  /** The histogram release (null when the run uses no control codes). */
  histogram: HistogramPlan | null;
  /** The DP training configs with the recipe rule applied (recipe.ts): what the trainings run with. */
  training: { teacher: ResolvedDPTraining; student: ResolvedDPTraining };
  /** DistilDP's (and synthetic-only's) DP teacher: the run's epsilon with the histogram phase. */
  distildpTeacher(): PrivacyPlan;
  /** The DP-SGD student: the run's epsilon. */
  dpsgdStudent(): PrivacyPlan;
  /** DPKD: the teacher at epsilon / 2, then the student composed with it to the run's epsilon. */
  dpkd(): { teacher: PrivacyPlan; student: PrivacyPlan };
}

/** A DP training config with every recipe field resolved. */
export type ResolvedDPTraining = RunDPTrainingConfig;

/** Calibrates each DP training's noise once, when first asked (a calibration takes a while). */
function once<T>(f: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: f() };
    return value.v;
  };
}

export function planPipelinePrivacy(
  c: PipelineConfig,
  corpus: { trainDocuments: number; useControlCodes: boolean },
): PipelinePrivacyPlan {
  const n = corpus.trainDocuments;
  const delta = c.delta ?? defaultDelta(n);
  const histogram: HistogramPlan | null = corpus.useControlCodes
    ? c.histogram.mode === 'dp'
      ? {
          mode: 'dp',
          sigma: c.histogram.sigma,
          phases: histogramPhases('dp', c.histogram.sigma),
          deltaThreshold: thresholdDeltaOf(delta),
        }
      : { mode: 'uniform', phases: [], deltaThreshold: 0 }
    : null;
  const training = {
    teacher: resolveRecipe(c.teacherDP, n, c.epsilon),
    student: resolveRecipe(c.studentDP, n, c.epsilon),
  };
  const dpkd = once(() => {
    const teacher = planPrivacy(n, { ...training.teacher, targetEpsilon: c.epsilon / 2, delta });
    const student = planPrivacy(n, { ...training.student, targetEpsilon: c.epsilon, delta }, [
      { q: teacher.q, sigma: teacher.sigma, steps: teacher.steps },
    ]);
    return { teacher, student };
  });
  return {
    trainDocuments: n,
    delta,
    histogram,
    training,
    distildpTeacher: once(() =>
      planPrivacy(
        n,
        { ...training.teacher, targetEpsilon: c.epsilon, delta: delta - (histogram?.deltaThreshold ?? 0) },
        histogram?.phases ?? [],
      ),
    ),
    dpsgdStudent: once(() => planPrivacy(n, { ...training.student, targetEpsilon: c.epsilon, delta })),
    dpkd,
  };
}
