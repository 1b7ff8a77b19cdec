/**
 * The knobs a user may turn beyond the privacy budget (learning rates, distillation weights,
 * synthetic corpus size and sampling), one definition for the CLI (`distildp pipeline --lambda ...`)
 * and the app's "Advanced settings": each has a CLI option name, a label, a range check, and where
 * it lands in the PipelineConfig. Type-only imports: the UI thread reads this too.
 *
 * None of these changes the privacy guarantee: epsilon and delta are fixed by the budget, and the
 * accountant calibrates the noise to them whatever the learning rate or the corpus size.
 */
import type { PipelineOptions } from '../pipeline/config';

export interface PipelineOverrides {
  /** Peak learning rate of the DP-SGD teachers (DistilDP, DPKD). */
  teacherLearningRate?: number;
  /** Peak learning rate of the DP-SGD students (DP-SGD, DPKD baselines). */
  studentLearningRate?: number;
  /** Learning rate of distillation on the synthetic corpus. */
  distillLearningRate?: number;
  /** Weight of the soft (teacher) labels in the distillation loss, 0..1. */
  lambda?: number;
  /** Distillation temperature. */
  temperature?: number;
  /** Weight of the hidden-state alignment loss. */
  alpha?: number;
  /** Epochs over the synthetic corpus. */
  distillEpochs?: number;
  /** Samples in the synthetic corpus. */
  syntheticSamples?: number;
  /** Sampling of the synthetic text: top-k (0 = off), top-p (1 = off), temperature. */
  topK?: number;
  topP?: number;
  samplingTemperature?: number;
  /** Guidance of each control code's own DP teacher against their average (per-code teachers). */
  codeGuidance?: number;
  /** Plausibility floor of that guidance (a fraction of the most likely token's probability). */
  codeGuidancePlausibility?: number;
}

export type OverrideKey = keyof PipelineOverrides;

export interface OverrideField {
  key: OverrideKey;
  /** `distildp pipeline --<cli>`. */
  cli: string;
  label: string;
  help: string;
  /** Null when the value is acceptable, else what is wrong (a sentence fragment after the label). */
  check(v: number): string | null;
}

const positive = (v: number) => (Number.isFinite(v) && v > 0 ? null : 'must be a number above 0');
const learningRate = (v: number) =>
  Number.isFinite(v) && v > 0 && v < 1 ? null : 'must be a number between 0 and 1';

export const OVERRIDE_FIELDS: readonly OverrideField[] = [
  {
    key: 'teacherLearningRate',
    cli: 'teacher-lr',
    label: 'Teacher DP-SGD learning rate',
    help: "Peak learning rate of the DP teacher's DP-SGD.",
    check: learningRate,
  },
  {
    key: 'studentLearningRate',
    cli: 'student-lr',
    label: 'Student DP-SGD learning rate',
    help: 'Peak learning rate of the DP-SGD and DPKD baseline students.',
    check: learningRate,
  },
  {
    key: 'distillLearningRate',
    cli: 'distill-lr',
    label: 'Distillation learning rate',
    help: 'Learning rate of the student on the synthetic text.',
    check: learningRate,
  },
  {
    key: 'lambda',
    cli: 'lambda',
    label: 'Distillation λ',
    help: "Weight of the teacher's soft labels (1 - λ on the hard labels).",
    check: (v) => (Number.isFinite(v) && v >= 0 && v <= 1 ? null : 'must be between 0 and 1'),
  },
  {
    key: 'temperature',
    cli: 'temperature',
    label: 'Distillation temperature T',
    help: 'Softens both distributions in the soft-label loss.',
    check: positive,
  },
  {
    key: 'alpha',
    cli: 'alpha',
    label: 'Hidden-state alignment α',
    help: "Weight of matching the teacher's last hidden states (0 = off).",
    check: (v) => (Number.isFinite(v) && v >= 0 ? null : 'must be a number, 0 or more'),
  },
  {
    key: 'distillEpochs',
    cli: 'distill-epochs',
    label: 'Distillation epochs',
    help: 'Passes over the synthetic corpus.',
    check: (v) => (Number.isFinite(v) && v > 0 && v <= 100 ? null : 'must be above 0 (at most 100)'),
  },
  {
    key: 'syntheticSamples',
    cli: 'synthetic-samples',
    label: 'Synthetic samples',
    help: 'Size of the synthetic corpus the student learns from.',
    check: (v) =>
      Number.isInteger(v) && v >= 1 && v <= 1_000_000 ? null : 'must be a whole number from 1 to 1,000,000',
  },
  {
    key: 'topK',
    cli: 'top-k',
    label: 'Sampling top-k',
    help: 'Keep only the k most likely next tokens when writing synthetic text (0 = off).',
    check: (v) => (Number.isInteger(v) && v >= 0 ? null : 'must be a whole number, 0 or more'),
  },
  {
    key: 'topP',
    cli: 'top-p',
    label: 'Sampling top-p',
    help: 'Keep the most likely tokens up to this total probability (1 = off).',
    check: (v) => (Number.isFinite(v) && v > 0 && v <= 1 ? null : 'must be above 0 and at most 1'),
  },
  {
    key: 'samplingTemperature',
    cli: 'sampling-temperature',
    label: 'Sampling temperature',
    help: 'Temperature of the synthetic text (1 = the model as it is, 0 = greedy).',
    check: (v) => (Number.isFinite(v) && v >= 0 ? null : 'must be a number, 0 or more'),
  },
  {
    key: 'codeGuidance',
    cli: 'code-guidance',
    label: 'Control-code guidance',
    help: "With control codes: how strongly each code's own DP teacher is steered away from the average of all codes' teachers when it writes (0 = off).",
    check: (v) => (Number.isFinite(v) && v >= 0 && v <= 10 ? null : 'must be a number from 0 to 10'),
  },
  {
    key: 'codeGuidancePlausibility',
    cli: 'code-guidance-plausibility',
    label: 'Control-code guidance plausibility',
    help: "With control-code guidance: tokens less likely than this fraction of the most likely one under the code's own teacher are never written, so guidance only re-ranks tokens the teacher finds plausible (0 = off).",
    check: (v) =>
      Number.isFinite(v) && v >= 0 && v < 1 ? null : 'must be a number from 0 up to (not including) 1',
  },
];

/** Per-field problems (labelled sentences); empty when every given value is acceptable. */
export function validateOverrides(o: PipelineOverrides): Partial<Record<OverrideKey, string>> {
  const errors: Partial<Record<OverrideKey, string>> = {};
  for (const f of OVERRIDE_FIELDS) {
    const v = o[f.key];
    if (v === undefined) continue;
    const problem = f.check(v);
    if (problem) errors[f.key] = `${f.label} ${problem}.`;
  }
  return errors;
}

/** Only the keys that are set (undefined ones dropped), so equal overrides serialise equally. */
export function definedOverrides(o: PipelineOverrides): PipelineOverrides {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as PipelineOverrides;
}

/**
 * The overrides as a config layer for resolvePipelineConfig (config.ts): unset knobs are undefined,
 * which the deep merge skips, so the layers below (profile, library defaults) stay in force.
 */
export function overridesLayer(o: PipelineOverrides): PipelineOptions {
  return {
    teacherDP: { schedule: { peak: o.teacherLearningRate } },
    studentDP: { schedule: { peak: o.studentLearningRate } },
    distill: { learningRate: o.distillLearningRate, epochs: o.distillEpochs },
    distillation: { lambda: o.lambda, temperature: o.temperature, alpha: o.alpha },
    synthetic: {
      samples: o.syntheticSamples,
      generation: { topK: o.topK, topP: o.topP, temperature: o.samplingTemperature },
      codeGuidance: o.codeGuidance,
      codeGuidancePlausibility: o.codeGuidancePlausibility,
    },
  };
}

/**
 * The library defaults of these knobs (DEFAULT_PIPELINE in config.ts, which the UI thread cannot
 * import: it pulls TF.js); tests/unit/pipeline-overrides.test.ts checks them against it.
 */
export const LIBRARY_DEFAULTS: KnobValues = {
  // The DP learning rates come from the recipe rule (pipeline/recipe.ts: 1e-3 x min(1, max(1/2, B / 64))).
  teacherLearningRate: 'auto',
  studentLearningRate: 'auto',
  distillLearningRate: 1e-3,
  lambda: 0.4,
  temperature: 1,
  alpha: 0.1,
  distillEpochs: 2,
  syntheticSamples: 1000,
  topK: 50,
  topP: 0.9,
  samplingTemperature: 1,
  codeGuidance: 1.5,
  codeGuidancePlausibility: 0,
};

/** Each knob's value: a number, or 'auto' where the DP recipe rule picks it from N and epsilon. */
export type KnobValues = { [K in OverrideKey]-?: number | 'auto' };

/** A knob's default in words (a placeholder, a --help line). */
export function describeKnobValue(v: number | 'auto'): string {
  return v === 'auto' ? 'from the DP recipe rule' : String(v);
}

/** The value each knob has in a config or a profile, library defaults where it is silent. */
export function effectiveValues(c: PipelineOptions): KnobValues {
  const d = LIBRARY_DEFAULTS;
  return {
    teacherLearningRate: c.teacherDP?.schedule?.peak ?? d.teacherLearningRate,
    studentLearningRate: c.studentDP?.schedule?.peak ?? d.studentLearningRate,
    distillLearningRate: c.distill?.learningRate ?? d.distillLearningRate,
    lambda: c.distillation?.lambda ?? d.lambda,
    temperature: c.distillation?.temperature ?? d.temperature,
    alpha: c.distillation?.alpha ?? d.alpha,
    distillEpochs: c.distill?.epochs ?? d.distillEpochs,
    syntheticSamples: c.synthetic?.samples ?? d.syntheticSamples,
    topK: c.synthetic?.generation?.topK ?? d.topK,
    topP: c.synthetic?.generation?.topP ?? d.topP,
    samplingTemperature: c.synthetic?.generation?.temperature ?? d.samplingTemperature,
    codeGuidance: c.synthetic?.codeGuidance ?? d.codeGuidance,
    codeGuidancePlausibility: c.synthetic?.codeGuidancePlausibility ?? d.codeGuidancePlausibility,
  };
}
