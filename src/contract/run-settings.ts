/**
 * What the user sets for a run (the privacy budget panel and the baselines), its defaults per
 * profile and its validation. Pure and TF.js-free (type imports only): the UI validates with it
 * and the worker turns it into the pipeline's config (run-config.ts), so both agree on every
 * default.
 */

import { type RunProfileConfig, STANDARD_PROFILE, TINY_PROFILE } from '../pipeline/profiles';
import type { MethodName } from '../pipeline/results';
import { definedOverrides, type PipelineOverrides, validateOverrides } from './overrides';

/**
 * 'standard': sizes for real runs (as `distildp pipeline --demo`); 'tiny': seconds-long runs for the
 * tiny models of the e2e tests and smoke checks (`?models=tiny`).
 */
export type RunProfile = 'standard' | 'tiny';

export const BASELINES = [
  'synthetic',
  'opd',
  'dpsgd',
  'dpkd',
  'nonprivate',
] as const satisfies readonly MethodName[];
export type Baseline = (typeof BASELINES)[number];

export interface RunSettings {
  profile: RunProfile;
  /** Total epsilon of every private method (default 2). */
  targetEpsilon: number;
  /** Total delta; null = the default 1 / N^1.1 (N = training documents). */
  delta: number | null;
  /** Clip norm C per document (default 1). */
  clipNorm: number;
  /** Expected documents per DP-SGD step (q = this / N); null = the recipe rule's for this N and epsilon. */
  expectedBatchSize: number | null;
  /** Passes over the data in expectation (steps = ceil(epochs / q)); null = the recipe rule's. */
  epochs: number | null;
  /** Baselines run after DistilDP at the same (epsilon, delta). */
  baselines: Baseline[];
  /** Seed of the split, order and generation (never of DP noise, which is crypto-seeded). */
  seed: number;
  /**
   * Labels become DistilDP control codes (default false): the user's choice in the Data panel,
   * never inferred from the documents. Absent in settings saved before it existed (off).
   */
  useControlCodes?: boolean;
  /**
   * The Advanced settings (the CLI's knobs: learning rates, distillation, synthetic corpus and
   * sampling); absent = the profile's values. Only set keys are kept (see advancedPatch).
   */
  advanced?: PipelineOverrides;
}

/**
 * Budget defaults: the standard profile's clip norm; batch and epochs left to the recipe rule
 * (src/pipeline/recipe.ts), which the plan shows once the documents are known.
 */
export const DEFAULT_RUN_SETTINGS: RunSettings = {
  profile: 'standard',
  targetEpsilon: 2,
  delta: null,
  clipNorm: STANDARD_PROFILE.teacherDP.clipNorm,
  expectedBatchSize: null,
  epochs: null,
  baselines: [],
  seed: 1,
  useControlCodes: false,
};

/** Budget defaults of the tiny profile: small batches so a few dozen documents give several steps. */
export const TINY_RUN_SETTINGS: RunSettings = {
  ...DEFAULT_RUN_SETTINGS,
  profile: 'tiny',
  expectedBatchSize: TINY_PROFILE.teacherDP.expectedBatchSize,
  epochs: TINY_PROFILE.teacherDP.epochs,
};

export function defaultSettings(profile: RunProfile): RunSettings {
  return profile === 'tiny' ? { ...TINY_RUN_SETTINGS } : { ...DEFAULT_RUN_SETTINGS };
}

/** Sizes the user does not set, per profile. */
export const PROFILE_CONFIG = {
  standard: STANDARD_PROFILE,
  tiny: TINY_PROFILE,
} satisfies Record<RunProfile, RunProfileConfig>;

/** Micro-batch of DP training under a profile (the memory estimate assumes it). */
export function microBatchSize(profile: RunProfile): number {
  return PROFILE_CONFIG[profile].teacherDP.microBatchSize;
}

export type SettingsErrors = Partial<Record<keyof RunSettings, string>>;

/** Per-field problems, phrased for the form; empty when the settings can run. */
export function validateSettings(s: RunSettings): SettingsErrors {
  const e: SettingsErrors = {};
  if (!(Number.isFinite(s.targetEpsilon) && s.targetEpsilon > 0))
    e.targetEpsilon = 'Target epsilon must be a number above 0.';
  else if (s.targetEpsilon > 100) e.targetEpsilon = 'Target epsilon above 100 gives no meaningful guarantee.';
  if (s.delta !== null && !(Number.isFinite(s.delta) && s.delta > 0 && s.delta < 1))
    e.delta = 'Delta must be between 0 and 1 (exclusive), or empty for the default.';
  if (!(Number.isFinite(s.clipNorm) && s.clipNorm > 0)) e.clipNorm = 'Clip norm must be a number above 0.';
  if (s.expectedBatchSize !== null && !(Number.isInteger(s.expectedBatchSize) && s.expectedBatchSize >= 1))
    e.expectedBatchSize =
      'Expected batch size must be a whole number of documents, at least 1 (or empty: automatic).';
  if (s.epochs !== null && !(Number.isFinite(s.epochs) && s.epochs > 0 && s.epochs <= 1000))
    e.epochs = 'Epochs must be a number above 0, at most 1000 (or empty: automatic).';
  const unknown = s.baselines.filter((b) => !(BASELINES as readonly string[]).includes(b));
  if (unknown.length) e.baselines = `Unknown baselines: ${unknown.join(', ')}.`;
  if (!Number.isInteger(s.seed)) e.seed = 'Seed must be a whole number.';
  const advanced = Object.values(validateOverrides(s.advanced ?? {}));
  if (advanced.length) e.advanced = advanced.join(' ');
  return e;
}

/**
 * The settings patch that sets one Advanced knob (a number) or returns it to the profile's value
 * (null). Empty Advanced settings become undefined, which JSON (and so the run's content key)
 * leaves out: a run without them keeps the key it had before they existed.
 */
export function advancedPatch(
  s: RunSettings,
  key: keyof PipelineOverrides,
  value: number | null,
): Pick<RunSettings, 'advanced'> {
  const advanced = definedOverrides({ ...s.advanced, [key]: value ?? undefined });
  return { advanced: Object.keys(advanced).length ? advanced : undefined };
}
