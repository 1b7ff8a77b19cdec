/**
 * The default DP-SGD recipe, chosen from the number of training documents N and the target epsilon
 * by one rule, for the app and the CLI alike: every recipe field of a DP training config may be
 * 'auto' (the library default), and a value the user gives replaces the rule's for that field
 * only. Type-only imports: the UI thread computes it too (the budget panel shows what a run uses).
 *
 * The rule and the sweep it was validated on are in README.md ("How the DP recipe is chosen").
 */
import type { ParameterSelection } from '../dp/clipping';
import type { DPTrainingConfig } from '../train/dp-plan';
import type { LearningRateSchedule } from '../train/schedule';

/** A field the recipe rule fills in unless it is given. */
export type Auto<T> = T | 'auto';

export interface DPRecipe {
  /** Expected documents per step (q = B / N). */
  expectedBatchSize: number;
  /** Expected passes over the documents. */
  epochs: number;
  /** Peak (constant) learning rate. */
  learningRate: number;
  parameters: ParameterSelection;
  /** Compute cap: the most windows (of T tokens) a sampled document contributes. */
  windowsPerDocument: number;
}

/**
 * The most windows a sampled document contributes by default (8 x 128 tokens: a 1,024-byte document
 * whole). Raised from 4 after the teacher's validation PPL at N ~ 1,600 went 5.252 -> 5.207 on brown
 * and 4.950 -> 4.827 on licenses (median documents ~1,280 bytes), for twice their DP steps' compute;
 * corpora of short documents cost the same (README.md, "How the DP recipe is chosen").
 */
export const DEFAULT_WINDOWS_PER_DOCUMENT = 8;

/** The learning rate of an expected batch of 64 documents or more (README.md, the sweep). */
export const RECIPE_PEAK_LEARNING_RATE = 1e-3;

/** The smallest fraction of the peak rate the rule uses (expected batches of 32 documents or fewer). */
export const RECIPE_SMALL_BATCH_RATE_FRACTION = 0.5;

/**
 * The recipe for N training documents at `epsilon` (validated on the development corpora's
 * validation splits; README.md, "How the DP recipe is chosen"):
 * - sampling rate q = 4%: expected batch B = round(N / 25) (at least 16 and at most 1024, never
 *   more than N), so every run takes about 25 steps per epoch whatever its size;
 * - epochs E = 3 (75 steps);
 * - every parameter trained (full fine-tuning): LoRA adapters (rank 8 on every linear layer) and
 *   larger batches were measured and were worse at N = 1,600;
 * - learning rate 1e-3 x min(1, max(1/2, B / 64)): linear in the expected batch between 32 and 64
 *   documents, half the peak below. The noise on the averaged gradient grows as 1/B: at B = 26
 *   (N ~ 650) a rate of 1e-3 made brown's models worse than their base models, while at B = 65
 *   (N = 1,617) 1e-3 was better on fortunes. At B = 16 (N ~ 300) 5e-4 beat the linear rule's 2.5e-4 on
 *   fortunes and licenses and tied on brown, where 1e-3 was worse than the base model;
 * - each sampled document contributes all its windows up to DEFAULT_WINDOWS_PER_DOCUMENT.
 */
export function dpRecipe(n: number, _epsilon: number): DPRecipe {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`the DP recipe needs N >= 1 documents, got ${n}`);
  const expectedBatchSize = Math.min(n, Math.min(1024, Math.max(16, Math.round(n / 25))));
  return {
    expectedBatchSize,
    epochs: 3,
    learningRate:
      RECIPE_PEAK_LEARNING_RATE *
      Math.min(1, Math.max(RECIPE_SMALL_BATCH_RATE_FRACTION, expectedBatchSize / 64)),
    parameters: 'all',
    windowsPerDocument: DEFAULT_WINDOWS_PER_DOCUMENT,
  };
}

/** The recipe fields of a DP training config, each a value or 'auto'. */
export interface RecipeFields {
  expectedBatchSize: Auto<number>;
  epochs: Auto<number>;
  parameters: Auto<ParameterSelection>;
  windowsPerDocument: Auto<number>;
  schedule: Omit<LearningRateSchedule, 'peak'> & { peak: Auto<number> };
}

type RecipeKeys = keyof RecipeFields;

/** A DP training config whose recipe fields may be 'auto' (the pipeline's and the CLI's). */
export type AutoDPTrainingConfig<T extends Partial<DPTrainingConfig> = DPTrainingConfig> = Omit<
  T,
  RecipeKeys
> &
  RecipeFields;

/** Every recipe field 'auto': what the library defaults to. */
export const AUTO_RECIPE: RecipeFields = {
  expectedBatchSize: 'auto',
  epochs: 'auto',
  parameters: 'auto',
  windowsPerDocument: 'auto',
  schedule: { peak: 'auto', warmupSteps: 0, decay: 'constant' },
};

const pick = <T>(v: Auto<T>, rule: T): T => (v === 'auto' ? rule : v);

/** A DP training config without the run's epsilon and delta, every field given. */
export type RunDPTrainingConfig = Omit<DPTrainingConfig, 'targetEpsilon' | 'delta'>;

/** The config with every 'auto' field replaced by the rule's value for N documents at epsilon. */
export function resolveRecipe(
  config: AutoDPTrainingConfig<RunDPTrainingConfig>,
  n: number,
  epsilon: number,
): RunDPTrainingConfig {
  const rule = dpRecipe(n, epsilon);
  return {
    ...config,
    expectedBatchSize: pick(config.expectedBatchSize, rule.expectedBatchSize),
    epochs: pick(config.epochs, rule.epochs),
    parameters: pick(config.parameters, rule.parameters),
    windowsPerDocument: pick(config.windowsPerDocument, rule.windowsPerDocument),
    schedule: { ...config.schedule, peak: pick(config.schedule.peak, rule.learningRate) },
  };
}
