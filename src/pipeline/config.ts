/**
 * The pipeline's configuration: what each stage of every method runs with. One resolved config
 * comes from three layers, deep-merged by resolvePipelineConfig():
 *   1. the library defaults, stated once, in the modules that use them (DEFAULT_DP_TRAINING,
 *      DEFAULT_SYNTHETIC, DEFAULT_FINE_TUNE, DEFAULT_DISTILLATION) and gathered in DEFAULT_PIPELINE;
 *   2. a run profile (profiles.ts: the app's standard and tiny runs, `distildp pipeline --demo`);
 *   3. the user's options (the app's run settings, the CLI's flags).
 * The CLI, the worker and the tests all resolve through it, so a default never has to be restated.
 */
import { DEFAULT_DISTILLATION, type DistillationConfig } from '../train/distill';
import { DEFAULT_DP_TRAINING, type DPTrainingConfig } from '../train/dp-plan';
import { DEFAULT_ON_POLICY, type OnPolicyConfig } from '../train/on-policy';
import type { CorpusOptions } from './corpus';
import type { HistogramMode } from './histogram';
import { DEFAULT_FINE_TUNE, type FineTuneConfig } from './model-tasks';
import { AUTO_RECIPE, type AutoDPTrainingConfig } from './recipe';
import type { MethodName } from './results';
import { DEFAULT_SYNTHETIC, type SyntheticConfig } from './synthetic';

/**
 * A DP training inside the pipeline: the run's epsilon, delta and seed apply, not the section's.
 * Its recipe fields (batch, epochs, learning rate, what is trained, windows per document) default
 * to 'auto': the rule of recipe.ts for the run's N and epsilon.
 */
export type PipelineDPConfig = AutoDPTrainingConfig<Omit<DPTrainingConfig, 'targetEpsilon' | 'delta'>>;

export interface PipelineConfig {
  /** Total epsilon of every private method (default 2). */
  epsilon: number;
  /** Total delta (default 1 / N^1.1, N = training documents). */
  delta?: number;
  methods: MethodName[];
  /** Seed of the split, window order, generation and distillation (never of DP noise). */
  seed: number;
  /** Documents held out for validation and test (default 10% each; each document by itself). */
  split: Required<Pick<CorpusOptions, 'validationFraction' | 'testFraction'>>;
  /** The user's data choices (public by declaration; listed in every privacy report). */
  data: DataChoices;
  /** DP-SGD of teachers (distildp, dpkd). */
  teacherDP: PipelineDPConfig;
  /** DP-SGD of students (dpsgd, dpkd). */
  studentDP: PipelineDPConfig;
  /**
   * The control-code histogram: 'dp' (Gaussian noise sigma, accounted) or 'uniform' over `codes`,
   * a list the user declares (public by declaration; required in that mode).
   */
  histogram: { mode: HistogramMode; sigma: number; codes?: string[][] };
  synthetic: Omit<SyntheticConfig, 'seed'>;
  /**
   * DistilDP's teachers when two or more control codes are released: 'per-code' trains one DP
   * teacher per code, each on that code's documents with the run's DP plan (q, sigma, steps). One
   * document is in one part only, so the K teachers together cost the epsilon of one (parallel
   * composition). Each code's synthetic text is written by its own teacher, guided away from their
   * average (synthetic.codeGuidance) and chosen from the over-generated samples as
   * synthetic.codeSelection says; the average of their weights (weighted by the released
   * histogram) is the run's DP teacher: soft labels, evaluation, export. 'joint': one teacher on all
   * documents, the code only in its prompt (the paper). Default 'per-code': the joint teacher barely
   * learns what sets the codes apart at a few hundred documents (README, control-code fidelity).
   */
  codeTeachers: 'per-code' | 'joint';
  /** Training of the students on the synthetic corpus (distildp, synthetic). */
  distill: Omit<FineTuneConfig, 'seed'>;
  distillation: DistillationConfig;
  /** On-policy distillation (method 'opd'): the student learns on its own samples, scored by the DP teacher. */
  onPolicy: OnPolicyPipelineConfig;
  /** Fine-tuning of the non-private upper bounds. */
  nonPrivate: Omit<FineTuneConfig, 'seed'>;
  /** Save a partial checkpoint every this many training steps (default 10 DP steps / 50 ordinary steps). */
  checkpointEvery: { dp: number; train: number };
  /**
   * Validation perplexity during training, for the live charts: about `points` evaluations per
   * training (and one at its end), each on at most `maxWindows` validation windows. Local only:
   * it is computed on private data and never exported. points = 0 turns it off.
   */
  validation: { points: number; maxWindows: number };
}

/**
 * On-policy distillation in the pipeline: as many student steps as `epochs` passes of distillation
 * over the synthetic windows would take (so 'opd' and 'distildp' compare at equal steps).
 */
export type OnPolicyPipelineConfig = Omit<OnPolicyConfig, 'steps' | 'seed' | 'schedule'> & {
  epochs: number;
  /** Peak rate of a warmup + cosine schedule (to a tenth), as distillation's. */
  learningRate: number;
  warmupSteps: number;
  /** Synthetic-text tokens (after the control-code prompt) the student's prompts keep, at most. */
  promptTokens: number;
};

/**
 * How documents were read and whether their labels prompt the teacher: settings the user makes,
 * never decided from the records (a decision from the data would be a release outside any DP
 * mechanism). The pipeline uses `useControlCodes`; the rest says, in the privacy report, how the
 * documents it got were made.
 */
export interface DataChoices {
  /** Field of the records holding the text (default `text`). */
  textField: string;
  /** Fields of the records used as labels, in order (default none). */
  labelFields: string[];
  /** Folder names (below the dropped root) used as labels (default false). */
  folderLabels: boolean;
  /** Labels become DistilDP control codes: prompts, and a DP histogram phase (default false). */
  useControlCodes: boolean;
}

export const DEFAULT_DATA_CHOICES: DataChoices = {
  textField: 'text',
  labelFields: [],
  folderLabels: false,
  useControlCodes: false,
};

/** Any part of a config: objects merge field by field, arrays and functions are replaced. */
export type DeepPartial<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly unknown[]
    ? T
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/** What a profile or a user gives: any subset of the config. */
export type PipelineOptions = DeepPartial<PipelineConfig>;

const { targetEpsilon: _runEpsilon, ...dpTraining } = DEFAULT_DP_TRAINING;
const { seed: _syntheticSeed, ...synthetic } = DEFAULT_SYNTHETIC;
const { seed: _fineTuneSeed, ...fineTune } = DEFAULT_FINE_TUNE;
const {
  seed: _onPolicySeed,
  steps: _onPolicySteps,
  schedule: _onPolicySchedule,
  ...onPolicy
} = DEFAULT_ON_POLICY;

export const DEFAULT_PIPELINE: PipelineConfig = {
  epsilon: 2,
  methods: ['distildp'],
  seed: 1,
  split: { validationFraction: 0.1, testFraction: 0.1 },
  data: DEFAULT_DATA_CHOICES,
  teacherDP: { ...dpTraining, ...AUTO_RECIPE },
  studentDP: { ...dpTraining, ...AUTO_RECIPE },
  histogram: { mode: 'dp', sigma: 10 },
  synthetic,
  codeTeachers: 'per-code',
  // Two passes over the synthetic corpus: it is small and the teacher's soft labels are cheap.
  distill: { ...fineTune, epochs: 2 },
  distillation: DEFAULT_DISTILLATION,
  onPolicy: { ...onPolicy, epochs: 2, learningRate: 3e-4, warmupSteps: 10, promptTokens: 16 },
  nonPrivate: fineTune,
  checkpointEvery: { dp: 10, train: 50 },
  validation: { points: 10, maxWindows: 32 },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
  );
}

/** `over` laid on `base`: plain objects merge recursively; undefined leaves `base`'s value. */
export function deepMerge<T>(base: T, over: DeepPartial<T> | undefined): T {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = key in base ? deepMerge(base[key as keyof T], value as DeepPartial<T[keyof T]>) : value;
  }
  return out as T;
}

/** The full config of a run: library defaults, then each layer in order (later layers win). */
export function resolvePipelineConfig(...layers: (PipelineOptions | undefined)[]): PipelineConfig {
  let config = DEFAULT_PIPELINE;
  for (const layer of layers) config = deepMerge<PipelineConfig>(config, layer);
  return config;
}
