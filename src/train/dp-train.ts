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
import { type ClippingOptions, clippedGradientsFast } from '../dp/clipping';
import { clipSkippingNonFinite } from '../dp/nonfinite';
import { packMicroBatches } from '../dp/sampler';
import type { GPTConfig } from '../model/config';
import type { Params } from '../model/params';
import { insecureFixedSeedNoiseSource, secureNoiseSource } from '../random/noise';
import { disposeBatch, documentRowsToBatch } from './batching';
import {
  addCanarySums,
  checkAuditHooks,
  type DPAuditHooks,
  samplePoissonWithCanaries,
  stepNoiseStd,
} from './dp-audit-hooks';
import { type LoraTrainingState, trainedParameters } from './dp-parameters';
import { allPhases, DEFAULT_DP_TRAINING, type DPTrainingConfig, type PrivacyPlan } from './dp-plan';
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
  /** The empirical privacy audit's canaries and observer (src/audit; never in a user's run). */
  audit?: DPAuditHooks;
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
    let sums = new Map<string, tf.Tensor>();
    let lossSum = 0;
    let clipped = 0;
    let nonFinite = 0;
    let tokens = 0;
    const microBatches = packMicroBatches(sample, c.microBatchSize);
    let aborted = false;
    for (const [mbIndex, mb] of microBatches.entries()) {
      if (input.hooks?.abortStep?.()) {
        aborted = true;
        break;
      }
      const batch = documentRowsToBatch(mb, documentWindows, config.contextLength, input.padId);
      const r = await clipSkippingNonFinite(
        clippedGradientsFast,
        trained.forwardParams,
        config,
        batch,
        { ...clipping, windowsPerExample: mb.windowsPerExample },
        input.padId,
      );
      const skipped = new Set(r.nonFiniteExamples);
      nonFinite += skipped.size;
      const tokenCount = tf.sum(batch.mask);
      const [losses, factors, count] = await Promise.all([
        r.losses.data(),
        r.clipFactors.data(),
        tokenCount.data(),
      ]);
      tokenCount.dispose();
      tokens += count[0];
      for (let i = 0; i < mb.rows.length; i++) {
        if (skipped.has(i)) continue;
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
  optimizer.dispose();
  trained.dispose();
  const spent = step > 0 ? computeEpsilon(allPhases(plan, step), plan.delta, plan.accountant) : 0;
  return { state, epsilon: spent, completed: step >= plan.steps };
}
