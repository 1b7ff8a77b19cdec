/**
 * DP-SGD's configuration and its privacy plan, fixed before training starts: the sampling rate q
 * (expected batch / N), the number of steps (epochs / q), delta, and the noise multiplier sigma
 * calibrated so that every phase composed (prior releases, then these steps) stays within the
 * target epsilon. Everything needed to reproduce the epsilon with `distildp epsilon`.
 */
import {
  type AccountantName,
  calibrateSigma,
  computeEpsilon,
  defaultDelta,
  deltaWarning,
  epsilonCurve,
  type Phase,
} from '../dp/accounting/index';
import type { ClippingOptions, EmbeddingMode, ParameterSelection } from '../dp/clipping';
import { DEFAULT_LORA, type LoraConfig } from '../model/lora';
import type { LearningRateSchedule } from './schedule';

export interface DPTrainingConfig {
  /** Target epsilon of this training run (with any prior phases). Default 2. */
  targetEpsilon: number;
  /** Default 1 / N^1.1 (N = documents); a warning is issued when delta >= 1/N. */
  delta?: number;
  /** Clip norm C per document. Default 1. */
  clipNorm: number;
  /** Expected documents per logical step; q = expectedBatchSize / N. Default 64. */
  expectedBatchSize: number;
  /** Passes over the data in expectation: steps = ceil(epochs / q). Default 3. */
  epochs: number;
  /**
   * Window rows per physical micro-batch (documents with k windows go floor(R / k) to a
   * micro-batch, at least one). Default 16.
   */
  microBatchSize: number;
  /**
   * K, the compute cap: the most windows a sampled document contributes. A document with at most
   * K windows contributes its whole text; a longer one K windows chosen at random. The privacy
   * unit stays the document either way (one clip per document). Default 1.
   */
  windowsPerDocument: number;
  embeddings: EmbeddingMode;
  accountant: AccountantName;
  /** Use this sigma instead of calibrating one for targetEpsilon. */
  noiseMultiplier?: number;
  /** Learning-rate schedule (default constant 1e-3 with 0 warmup: small models, few steps). */
  schedule: LearningRateSchedule;
  weightDecay: number;
  /** TESTS ONLY: reproducible, NOT secure noise and sampling; recorded as insecure in the report. */
  insecureFixedSeedForTestsOnly?: number;
  /** Per-row loss (default next-token CE); see ClippingOptions.rowLoss (used by the DPKD baseline). */
  rowLoss?: ClippingOptions['rowLoss'];
  /** What is trained: every parameter, biases + LayerNorms, or LoRA adapters. Default 'all'. */
  parameters: ParameterSelection;
  /** LoRA rank, scale and target layers (parameters 'lora'). */
  lora: LoraConfig;
  /** Seed of the LoRA factor A's initialisation (public, data-independent). Default 0. */
  loraSeed: number;
}

export const DEFAULT_DP_TRAINING: DPTrainingConfig = {
  targetEpsilon: 2,
  clipNorm: 1,
  expectedBatchSize: 64,
  epochs: 3,
  microBatchSize: 16,
  windowsPerDocument: 1,
  embeddings: 'train',
  accountant: 'prv',
  schedule: { peak: 1e-3, warmupSteps: 0, decay: 'constant' },
  weightDecay: 0.01,
  parameters: 'all',
  lora: DEFAULT_LORA,
  loraSeed: 0,
};

/** Everything needed to reproduce the run's epsilon with `distildp epsilon --phases ... --delta ...`. */
export interface PrivacyPlan {
  numDocuments: number;
  q: number;
  sigma: number;
  steps: number;
  delta: number;
  clipNorm: number;
  windowsPerDocument: number;
  /** What was trained (public choices, stated in the report). */
  parameters: ParameterSelection;
  lora?: LoraConfig;
  accountant: AccountantName;
  /** Earlier releases on the same data composed with this run (e.g. a DP label histogram). */
  priorPhases: Phase[];
  /** The epsilon of all phases after all steps. */
  epsilon: number;
  sampling: 'poisson';
  unit: 'document';
  secureRandomness: boolean;
  warnings: string[];
}

export function allPhases(plan: PrivacyPlan, stepsDone = plan.steps): Phase[] {
  const own = stepsDone > 0 ? [{ q: plan.q, sigma: plan.sigma, steps: stepsDone }] : [];
  return [...plan.priorPhases, ...own];
}

export function planPrivacy(
  numDocuments: number,
  config: Partial<DPTrainingConfig>,
  priorPhases: Phase[] = [],
): PrivacyPlan {
  const c = { ...DEFAULT_DP_TRAINING, ...config };
  if (!Number.isInteger(numDocuments) || numDocuments < 1)
    throw new Error(`DP training needs documents, got ${numDocuments}`);
  if (!(c.expectedBatchSize > 0))
    throw new Error(`expectedBatchSize must be > 0, got ${c.expectedBatchSize}`);
  if (!(c.epochs > 0)) throw new Error(`epochs must be > 0, got ${c.epochs}`);
  if (!(c.clipNorm > 0)) throw new Error(`clipNorm must be > 0, got ${c.clipNorm}`);
  const q = Math.min(1, c.expectedBatchSize / numDocuments);
  const steps = Math.max(1, Math.ceil(c.epochs / q));
  const delta = c.delta ?? defaultDelta(numDocuments);
  const warnings: string[] = [];
  const warn = deltaWarning(delta, numDocuments);
  if (warn) warnings.push(warn);
  if (c.expectedBatchSize > numDocuments) {
    warnings.push(
      `expected batch ${c.expectedBatchSize} exceeds the ${numDocuments} documents: using q = 1 (full batch)`,
    );
  }
  const sigma =
    c.noiseMultiplier ??
    calibrateSigma({ epsilon: c.targetEpsilon, delta, q, steps, accountant: c.accountant, priorPhases })
      .sigma;
  const plan: PrivacyPlan = {
    numDocuments,
    q,
    sigma,
    steps,
    delta,
    clipNorm: c.clipNorm,
    windowsPerDocument: c.windowsPerDocument,
    parameters: c.parameters,
    lora: c.parameters === 'lora' ? c.lora : undefined,
    accountant: c.accountant,
    priorPhases,
    epsilon: 0,
    sampling: 'poisson',
    unit: 'document',
    secureRandomness: c.insecureFixedSeedForTestsOnly === undefined,
    warnings,
  };
  plan.epsilon = computeEpsilon(allPhases(plan), delta, c.accountant);
  return plan;
}

/** Epsilon spent after each of the given step counts (for the live chart). */
export function plannedEpsilonCurve(plan: PrivacyPlan, points = 100): { step: number; epsilon: number }[] {
  const steps = [
    ...new Set(
      Array.from({ length: points }, (_, i) => Math.max(1, Math.round(((i + 1) * plan.steps) / points))),
    ),
  ];
  const eps = epsilonCurve(
    allPhases(plan),
    plan.delta,
    steps.map((s) => s + plan.priorPhases.reduce((a, p) => a + p.steps, 0)),
    plan.accountant,
  );
  return steps.map((step, i) => ({ step, epsilon: eps[i] }));
}
