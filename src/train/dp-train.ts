/**
 * DP-SGD fine-tuning with documents as the privacy unit:
 * - Poisson sampling: each document joins a logical step independently with probability q; a
 *   sampled document contributes all its windows up to a cap K, summed before its one clip
 *   (norm <= C);
 * - micro-batches of documents with equal window counts, trimmed to their longest window,
 *   accumulate clipped sums (src/dp/clipping.ts);
 * - Gaussian noise N(0, sigma^2 C^2) is added once per logical step, from a crypto-seeded Philox
 *   stream (src/dp/random.ts); the sum is divided by the expected batch size q N; AdamW updates;
 * - the accountant (PRV by default) reports the epsilon spent as the run goes.
 * A step whose sample is empty still adds noise and updates, as the accountant assumes.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type AccountantName,
  calibrateSigma,
  computeEpsilon,
  defaultDelta,
  deltaWarning,
  epsilonCurve,
  type Phase,
} from '../dp/accounting/index';
import {
  type ClippingOptions,
  clippedGradientsFast,
  type EmbeddingMode,
  type ParameterSelection,
} from '../dp/clipping';
import {
  insecureFixedSeedNoiseSource,
  type NoiseSource,
  philoxFillNormal,
  secureNoiseSource,
} from '../dp/random';
import { packMicroBatches, samplePoissonStep } from '../dp/sampler';
import { webgpuActive } from '../kernels/webgpu-backend';
import type { GPTConfig } from '../model/config';
import { DEFAULT_LORA, type LoraConfig } from '../model/lora';
import type { Params } from '../model/params';
import { disposeBatch, documentRowsToBatch } from './batching';
import { type LoraTrainingState, trainedParameters } from './dp-parameters';
import { AdamW, type AdamWState } from './optimizer';
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

export interface DPStepReport {
  step: number;
  totalSteps: number;
  /** Mean per-document loss of the sampled documents (NaN for an empty sample). */
  loss: number;
  sampledDocuments: number;
  /** Fraction of sampled documents whose gradient was clipped. */
  clippedFraction: number;
  learningRate: number;
  /** Epsilon spent so far (computed every few steps and at the end; carried forward between). */
  epsilon: number;
  tokens: number;
  elapsedMs: number;
  /** How noise + AdamW ran: one fused WebGPU pass per parameter, or CPU noise then TF.js AdamW. */
  noisyUpdate: NoisyUpdateMode;
}

export interface DPTrainingState {
  /** Logical steps already done. */
  step: number;
  optimizer: AdamWState;
  /** (step, epsilon) points so far: epsilon never goes down and never resets on resume. */
  epsilonHistory: { step: number; epsilon: number }[];
  /** LoRA factors and frozen weights of a partial LoRA run. */
  lora?: LoraTrainingState;
}

export interface DPTrainingHooks {
  onStep?: (report: DPStepReport) => void | Promise<void>;
  /** Checked before every step; return true to stop (pause/cancel). State is returned. */
  shouldStop?: () => boolean;
  /**
   * Checked between the micro-batches of a step (a step of a large expected batch can take many
   * seconds): true abandons the step in progress (nothing of it is applied, so nothing of it is
   * released or accounted) and stops as shouldStop does. Usually the same function as shouldStop.
   */
  abortStep?: () => boolean;
  /** Fractional progress within a step, after each micro-batch: steps done + fraction of this one. */
  onProgress?: (steps: number) => void;
  /** Compute epsilon for the report every this many steps (default: ~200 points per run). */
  epsilonEvery?: number;
  /** Periodic checkpoints: `save` gets the state every `every` steps (and is awaited). */
  checkpoint?: { every: number; save: (state: DPTrainingState) => Promise<void> };
}

export interface DPTrainingInput {
  params: Params;
  config: GPTConfig;
  /** Per document, its training windows (up to T + 1 tokens each). Index = document index. */
  documentWindows: number[][][];
  padId: number;
  plan: PrivacyPlan;
  training: Partial<DPTrainingConfig>;
  hooks?: DPTrainingHooks;
  resume?: DPTrainingState;
}

export interface DPTrainingResult {
  state: DPTrainingState;
  /** Epsilon spent by the steps actually done (plus prior phases). */
  epsilon: number;
  completed: boolean;
}

/** Adds N(0, std^2) noise to each clipped sum and divides by the expected batch size. Noise of
 * parameter j is elements [offset_j, offset_j + size_j) of one fresh seed's stream, parameters in
 * `names` order. */
export function noisyAverage(
  sums: Map<string, tf.Tensor>,
  names: string[],
  params: Params,
  std: number,
  denominator: number,
  source: NoiseSource,
): Map<string, tf.Tensor> {
  const seed = source.nextSeed(); // fresh per step, never stored
  let offset = 0;
  const out = new Map<string, tf.Tensor>();
  for (const name of names) {
    const shape = params.get(name)!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    const noise = new Float32Array(size);
    source.fillNormal(noise, std, seed, offset);
    offset += size;
    out.set(
      name,
      tf.tidy(() => {
        const n = tf.tensor(noise, shape);
        const s = sums.get(name);
        return tf.div(s ? tf.add(s, n) : n, denominator);
      }),
    );
  }
  return out;
}

export type NoisyUpdateMode = 'fused-webgpu' | 'cpu-noise';

/**
 * Noise, average and AdamW for one logical step from the accumulated clipped sums, with one fresh
 * seed (never stored). On webgpu the fused kernel does it (AdamW.applyNoisySums); elsewhere, or
 * for a source whose stream is not the Philox SPEC the kernel reproduces, CPU noise (noisyAverage)
 * then AdamW.applyGradients. Both: noise element i of parameter j = element offset_j + i of the
 * seed's stream, parameters in `names` order (the optimizer's order). Returns the rate used.
 */
export function applyNoisyStep(
  optimizer: AdamW,
  sums: Map<string, tf.Tensor>,
  names: string[],
  params: Params,
  noise: { std: number; expectedBatchSize: number; source: NoiseSource },
  mode: NoisyUpdateMode = noisyUpdateMode(noise.source),
): number {
  if (mode === 'fused-webgpu') {
    const seed = noise.source.nextSeed();
    const { std: noiseStd, expectedBatchSize } = noise;
    return optimizer.applyNoisySums(sums, { seed, noiseStd, expectedBatchSize }).learningRate;
  }
  const grads = noisyAverage(sums, names, params, noise.std, noise.expectedBatchSize, noise.source);
  const learningRate = optimizer.applyGradients(grads);
  tf.dispose([...grads.values()]);
  return learningRate;
}

/** The fused kernel on webgpu when the source draws the SPEC's Philox stream; CPU noise otherwise. */
export function noisyUpdateMode(source: NoiseSource): NoisyUpdateMode {
  return webgpuActive() && source.fillNormal === philoxFillNormal ? 'fused-webgpu' : 'cpu-noise';
}

export async function trainWithDP(input: DPTrainingInput): Promise<DPTrainingResult> {
  const c = { ...DEFAULT_DP_TRAINING, ...input.training };
  const { params, config, plan, documentWindows } = input;
  if (documentWindows.length !== plan.numDocuments) {
    throw new Error(`plan is for ${plan.numDocuments} documents but ${documentWindows.length} were given`);
  }
  const empty = documentWindows.findIndex((w) => w.length === 0);
  if (empty >= 0) throw new Error(`document ${empty} has no training window (fewer than 2 tokens)`);
  const source =
    c.insecureFixedSeedForTestsOnly !== undefined
      ? insecureFixedSeedNoiseSource(c.insecureFixedSeedForTestsOnly)
      : secureNoiseSource();
  if (source.secure !== plan.secureRandomness)
    throw new Error('noise source security does not match the privacy plan');
  const trained = trainedParameters(
    params,
    config,
    { selection: c.parameters, embeddings: c.embeddings, lora: c.lora, loraSeed: c.loraSeed },
    input.resume?.lora,
  );
  const trainable = trained.trainable;
  const names = [...trainable.keys()];
  const optimizer = new AdamW(trainable, { schedule: c.schedule, weightDecay: c.weightDecay });
  const history = input.resume ? [...input.resume.epsilonHistory] : [];
  if (input.resume) await optimizer.importState(input.resume.optimizer);
  const clipping: Partial<ClippingOptions> = {
    clipNorm: plan.clipNorm,
    embeddings: c.embeddings,
    parameters: c.parameters,
    adapters: trained.adapters,
    rowLoss: c.rowLoss,
  };
  const windowCounts = documentWindows.map((w) => w.length);
  const expectedBatch = plan.q * plan.numDocuments;
  const epsilonEvery = input.hooks?.epsilonEvery ?? Math.max(1, Math.floor(plan.steps / 200));
  let epsilon = history.length ? history[history.length - 1].epsilon : 0;
  const started = performance.now();
  let step = input.resume?.step ?? 0;
  for (; step < plan.steps; step++) {
    if (input.hooks?.shouldStop?.()) break;
    const sample = samplePoissonStep(
      windowCounts,
      { samplingRate: plan.q, windowsPerDocument: plan.windowsPerDocument },
      source,
    );
    let sums = new Map<string, tf.Tensor>();
    let lossSum = 0;
    let clipped = 0;
    let tokens = 0;
    const microBatches = packMicroBatches(sample, c.microBatchSize);
    let aborted = false;
    for (const [mbIndex, mb] of microBatches.entries()) {
      if (input.hooks?.abortStep?.()) {
        aborted = true;
        break;
      }
      const batch = documentRowsToBatch(mb, documentWindows, config.contextLength, input.padId);
      const r = clippedGradientsFast(trained.forwardParams, config, batch, {
        ...clipping,
        windowsPerExample: mb.windowsPerExample,
      });
      const tokenCount = tf.sum(batch.mask);
      const [losses, factors, count] = await Promise.all([
        r.losses.data(),
        r.clipFactors.data(),
        tokenCount.data(),
      ]);
      tokenCount.dispose();
      tokens += count[0];
      for (let i = 0; i < mb.rows.length; i++) {
        lossSum += losses[i];
        if (factors[i] < 1) clipped++;
      }
      const next = new Map<string, tf.Tensor>();
      for (const [name, g] of r.clippedSum) {
        const prev = sums.get(name);
        next.set(name, prev ? tf.add(prev, g) : g);
        if (prev) {
          prev.dispose();
          g.dispose();
        }
      }
      sums = next;
      tf.dispose([r.norms, r.clipFactors, r.losses]);
      disposeBatch(batch);
      input.hooks?.onProgress?.(step + (mbIndex + 1) / microBatches.length);
    }
    if (aborted) {
      tf.dispose([...sums.values()]);
      break;
    }
    // As train-loop.ts: a non-finite loss means training diverged. Throw before the update, so the
    // parameters and the last checkpoint stay as they were.
    if (!Number.isFinite(lossSum)) {
      tf.dispose([...sums.values()]);
      throw new Error(`training diverged: loss is ${lossSum} at DP step ${step + 1}`);
    }
    const noisyUpdate = noisyUpdateMode(source);
    const noise = { std: plan.sigma * plan.clipNorm, expectedBatchSize: expectedBatch, source };
    const learningRate = applyNoisyStep(optimizer, sums, names, trainable, noise, noisyUpdate);
    tf.dispose([...sums.values()]);
    trained.afterUpdate();
    const done = step + 1;
    if (done % epsilonEvery === 0 || done === plan.steps || done === 1) {
      epsilon = computeEpsilon(allPhases(plan, done), plan.delta, plan.accountant);
      history.push({ step: done, epsilon });
    }
    if (input.hooks?.checkpoint && done % input.hooks.checkpoint.every === 0 && done < plan.steps) {
      await input.hooks.checkpoint.save({
        step: done,
        optimizer: await optimizer.exportState(),
        epsilonHistory: [...history],
        lora: await trained.exportState(),
      });
    }
    await input.hooks?.onStep?.({
      step: done,
      totalSteps: plan.steps,
      loss: sample.length ? lossSum / sample.length : Number.NaN,
      sampledDocuments: sample.length,
      clippedFraction: sample.length ? clipped / sample.length : 0,
      learningRate,
      epsilon,
      tokens,
      elapsedMs: performance.now() - started,
      noisyUpdate,
    });
  }
  const state: DPTrainingState = {
    step,
    optimizer: await optimizer.exportState(),
    epsilonHistory: history,
    lora: step < plan.steps ? await trained.exportState() : undefined,
  };
  optimizer.dispose();
  trained.dispose();
  const spent = step > 0 ? computeEpsilon(allPhases(plan, step), plan.delta, plan.accountant) : 0;
  return { state, epsilon: spent, completed: step >= plan.steps };
}
