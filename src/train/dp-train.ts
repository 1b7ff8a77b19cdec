/**
 * DP-SGD fine-tuning with documents as the privacy unit:
 * - Poisson sampling: each document joins a logical step independently with probability q; a
 *   sampled document contributes all its windows up to a cap K, summed before its one clip
 *   (norm <= C);
 * - micro-batches of documents with equal window counts, trimmed to their longest window,
 *   accumulate clipped sums (src/dp/clipping.ts);
 * - Gaussian noise N(0, sigma^2 C^2) is added once per logical step, from a crypto-seeded Philox
 *   stream (src/random/noise.ts); the sum is divided by the expected batch size q N; AdamW updates;
 * - the accountant (PRV by default) reports the epsilon spent as the run goes.
 * A step whose sample is empty still adds noise and updates, as the accountant assumes. A document
 * whose gradient is non-finite gets clip factor 0 for that step (dp/nonfinite.ts); only a
 * non-finite model after the noisy update stops the run.
 */
import * as tf from '@tensorflow/tfjs';
import { computeEpsilon } from '../dp/accounting/index';
import type { ClippingOptions } from '../dp/clipping';
import { packMicroBatches } from '../dp/sampler';
import type { GPTConfig } from '../model/config';
import type { Params } from '../model/params';
import { insecureFixedSeedNoiseSource, secureNoiseSource } from '../random/noise';
import { disposeBatch, documentRowsToBatch } from './batching';
import { ClippedSumAccumulator } from './clipped-accumulator';
import {
  addCanarySums,
  checkAuditHooks,
  type DPAuditHooks,
  samplePoissonWithCanaries,
  stepNoiseStd,
} from './dp-audit-hooks';
import { type LoraTrainingState, type TrainedParameters, trainedParameters } from './dp-parameters';
import { allPhases, DEFAULT_DP_TRAINING, type DPTrainingConfig, type PrivacyPlan } from './dp-plan';
import {
  type GradientPool,
  MAX_HELPER_MODEL_BYTES,
  microBatchCost,
  microBatchWindows,
  processGradientPool,
  splitMicroBatches,
} from './gradient-pool';
import { applyNoisyStep, type NoisyUpdateMode, noisyUpdateMode } from './noisy-update';
import { AdamW, type AdamWState } from './optimizer';

export interface DPStepReport {
  step: number;
  totalSteps: number;
  /** Mean per-document loss of the sampled documents (NaN for an empty sample). */
  loss: number;
  sampledDocuments: number;
  /** Fraction of sampled documents whose gradient was clipped. */
  clippedFraction: number;
  /**
   * Sampled documents whose gradient was NaN/Inf this step: clip factor 0, nothing contributed
   * (dp/nonfinite.ts). Computed from private data: shown locally, never exported.
   */
  nonFiniteDocuments: number;
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
  /**
   * Gradient helpers that clip shares of each step's micro-batches on other cores
   * (train/gradient-pool.ts); default the process's (processGradientPool()), null for none.
   */
  gradientPool?: GradientPool | null;
  /** The empirical privacy audit's canaries and observer (src/audit; never in a user's run). */
  audit?: DPAuditHooks;
  /**
   * `documentWindows` are one part of a partition of the plan's documents (e.g. the documents of
   * one control code, each with its own model): the plan's q, sigma and steps apply to the part, and
   * the noisy sum is divided by the whole set's expected batch (q x plan.numDocuments, public),
   * never by the part's own expected batch, whose size is private. Default false.
   */
  partOfPlan?: boolean;
}

export interface DPTrainingResult {
  state: DPTrainingState;
  /** Epsilon spent by the steps actually done (plus prior phases). */
  epsilon: number;
  completed: boolean;
}

/** True when every value of every parameter is finite (one read-back). */
async function allFinite(params: Params): Promise<boolean> {
  const flag = tf.tidy(() =>
    [...params.values()].map((p) => tf.all(tf.isFinite(p))).reduce((a, b) => tf.logicalAnd(a, b)),
  );
  const ok = (await flag.data())[0] === 1;
  flag.dispose();
  return ok;
}

/** The trained parameters' current values, in `names` order (what helpers clip with). */
async function trainedValues(trainable: Params, names: readonly string[]): Promise<Float32Array[]> {
  return Promise.all(names.map(async (n) => (await trainable.get(n)!.data()) as Float32Array));
}

/**
 * The gradient helpers this run uses (train/gradient-pool.ts), loaded with the model; null when
 * there are none, or clipping needs what cannot be copied to them (a per-row loss with its
 * teacher, the audit's injected faults), or the model is too large to copy.
 */
async function loadGradientHelpers(
  input: DPTrainingInput,
  c: DPTrainingConfig,
  clipping: Partial<ClippingOptions>,
  trained: TrainedParameters,
  names: string[],
): Promise<GradientPool | null> {
  if (c.rowLoss || clipping.faults) return null;
  const forwardParams = [...trained.forwardParams.values()].reduce((a, p) => a + p.size, 0);
  if (4 * forwardParams > MAX_HELPER_MODEL_BYTES) return null;
  const pool =
    input.gradientPool === undefined ? await processGradientPool(forwardParams) : input.gradientPool;
  if (!pool || pool.helpers === 0) return null;
  const read = async (params: Params) =>
    Promise.all([...params].map(async ([name, p]) => ({ name, data: (await p.data()) as Float32Array })));
  await pool.load({
    config: input.config,
    padId: input.padId,
    forward: await read(trained.forwardParams),
    trainable: names,
    lora: trained.adapters ? { config: c.lora, factors: await read(trained.adapters.params) } : undefined,
    clipping: { clipNorm: input.plan.clipNorm, embeddings: c.embeddings, parameters: c.parameters },
  });
  return pool;
}

export async function trainWithDP(input: DPTrainingInput): Promise<DPTrainingResult> {
  const c = { ...DEFAULT_DP_TRAINING, ...input.training };
  const { params, config, plan, documentWindows } = input;
  const fits = input.partOfPlan
    ? documentWindows.length <= plan.numDocuments
    : documentWindows.length === plan.numDocuments;
  if (!fits) {
    throw new Error(
      `plan is for ${plan.numDocuments} documents but ${documentWindows.length} were given${input.partOfPlan ? ' as a part of them' : ''}`,
    );
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
  // A decaying schedule runs over the plan's steps unless told otherwise.
  const schedule = { ...c.schedule, totalSteps: c.schedule.totalSteps ?? plan.steps };
  const optimizer = new AdamW(trainable, { schedule, weightDecay: c.weightDecay });
  const history = input.resume ? [...input.resume.epsilonHistory] : [];
  if (input.resume) await optimizer.importState(input.resume.optimizer);
  const faults = checkAuditHooks(input.audit);
  await input.audit?.onStart?.(trainable);
  const canaryCount = input.audit?.canaries?.count ?? 0;
  const clipping: Partial<ClippingOptions> = {
    clipNorm: plan.clipNorm,
    embeddings: c.embeddings,
    parameters: c.parameters,
    adapters: trained.adapters,
    rowLoss: c.rowLoss,
    faults,
  };
  const clipContext = { params: trained.forwardParams, config, clipping, padId: input.padId };
  const helpers = await loadGradientHelpers(input, c, clipping, trained, names);
  const windowCounts = documentWindows.map((w) => w.length);
  const expectedBatch = plan.q * plan.numDocuments;
  const epsilonEvery = input.hooks?.epsilonEvery ?? Math.max(1, Math.floor(plan.steps / 200));
  let epsilon = history.length ? history[history.length - 1].epsilon : 0;
  const started = performance.now();
  let step = input.resume?.step ?? 0;
  for (; step < plan.steps; step++) {
    if (input.hooks?.shouldStop?.()) break;
    const { documents: sample, canaries } = samplePoissonWithCanaries(
      windowCounts,
      canaryCount,
      { samplingRate: plan.q, windowsPerDocument: plan.windowsPerDocument },
      source,
    );
    const microBatches = packMicroBatches(sample, c.microBatchSize);
    const [own, ...shares] = helpers
      ? splitMicroBatches(microBatches, helpers.helpers + 1, (mb) =>
          microBatchCost(microBatchWindows(mb, documentWindows), config.contextLength),
        )
      : [microBatches];
    // The helpers' requests are posted before this thread starts its own (synchronous) share.
    const remote = shares.some((s) => s.length)
      ? helpers!.step(
          await trainedValues(trainable, names),
          shares.map((s) => s.map((mb) => microBatchWindows(mb, documentWindows))),
        )
      : null;
    // Settled even when this thread fails or stops first, so no helper reply is left unawaited.
    remote?.catch(() => {});
    const acc = new ClippedSumAccumulator();
    let aborted = false;
    try {
      for (const [mbIndex, mb] of own.entries()) {
        if (input.hooks?.abortStep?.()) {
          aborted = true;
          break;
        }
        const batch = documentRowsToBatch(mb, documentWindows, config.contextLength, input.padId);
        try {
          await acc.addMicroBatch(batch, mb.windowsPerExample, clipContext);
        } finally {
          disposeBatch(batch);
        }
        input.hooks?.onProgress?.(step + (mbIndex + 1) / (own.length + (remote ? 1 : 0)));
      }
      const results = await remote;
      for (const r of results ?? []) acc.addArrays(names, r.sums, r.stats, trainable);
    } catch (e) {
      acc.dispose();
      throw e;
    }
    if (aborted) {
      acc.dispose();
      break;
    }
    const { lossSum, clipped, nonFinite, tokens } = acc.stats;
    let sums = acc.take();
    sums = addCanarySums(sums, input.audit, canaries, trainable, plan.clipNorm);
    const noisyUpdate = noisyUpdateMode(source);
    const base = {
      std: plan.sigma * plan.clipNorm,
      expectedBatchSize: expectedBatch,
      microBatchSize: c.microBatchSize,
    };
    const std = stepNoiseStd(sums, base, sample.length + canaries.length, faults);
    const noise = { std, expectedBatchSize: expectedBatch, source };
    const learningRate = applyNoisyStep(optimizer, sums, names, trainable, noise, noisyUpdate);
    tf.dispose([...sums.values()]);
    trained.afterUpdate();
    const done = step + 1;
    // Only a non-finite model after the noisy update stops the run: a function of released
    // quantities (the noisy update and the model before it), never of one document. Thrown before
    // any checkpoint of this step, so the last checkpoint stays as it was.
    if (!(await allFinite(trainable))) {
      throw new Error(`training diverged: the model is non-finite after the noisy update of DP step ${done}`);
    }
    await input.audit?.afterUpdate?.({
      step: done,
      beta1: optimizer.config.beta1,
      firstMoments: (only) => optimizer.readFirstMoments(only),
    });
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
      loss: sample.length > nonFinite ? lossSum / (sample.length - nonFinite) : Number.NaN,
      sampledDocuments: sample.length,
      clippedFraction: sample.length ? clipped / sample.length : 0,
      nonFiniteDocuments: nonFinite,
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
  await helpers?.unload();
  optimizer.dispose();
  trained.dispose();
  const spent = step > 0 ? computeEpsilon(allPhases(plan, step), plan.delta, plan.accountant) : 0;
  return { state, epsilon: spent, completed: step >= plan.steps };
}
