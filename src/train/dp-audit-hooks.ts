/**
 * The typed hooks the empirical privacy audit (src/audit/whitebox.ts) has into trainWithDP, kept
 * out of the training loop's file. Without `input.audit` training is unchanged. With it:
 * - gradient canaries join every step's Poisson sample exactly as documents do (the same sampler
 *   call, the same rate q) and their clipped gradients join the step's sum;
 * - after each noisy update the auditor may read the optimizer's first moments;
 * - TESTS ONLY: DP faults (src/dp/faults.ts) are injected.
 * The canaries and the audit live only in the audit's own training run.
 */
import * as tf from '@tensorflow/tfjs';
import { checkTestFaults, type DPFaults } from '../dp/faults';
import { type PoissonSamplerConfig, type SampledDocument, samplePoissonStep } from '../dp/sampler';
import { clippedSparseSums, type SparseExampleGradients } from '../dp/sparse-examples';
import type { Params } from '../model/params';
import type { NoiseSource } from '../random/noise';

/** What the auditor sees after each noisy update. */
export interface NoisyUpdateView {
  /** Logical steps done (1-based). */
  step: number;
  /** AdamW's beta1: g_t = (m_t - beta1 m_{t-1}) / (1 - beta1). */
  beta1: number;
  /** The optimizer's first moments after this update. */
  firstMoments(names?: Iterable<string>): Promise<Map<string, Float32Array>>;
}

export interface DPAuditHooks {
  /** Gradient canaries 0 .. count-1: members of the dataset for sampling, with given gradients. */
  canaries?: {
    count: number;
    /** Per-example (unclipped) gradients of the sampled canaries, example j = sampled[j]. */
    gradients(sampled: readonly number[]): SparseExampleGradients;
  };
  /** Before the first step: the variables DP-SGD trains (the model's, or LoRA factors), by name. */
  onStart?(trainable: Params): void | Promise<void>;
  afterUpdate?(view: NoisyUpdateView): Promise<void>;
  /** TESTS ONLY: made by createTestFaults, refused otherwise. */
  faults?: DPFaults;
}

/** Validates the hooks once before training (an unbranded faults object throws). */
export function checkAuditHooks(hooks: DPAuditHooks | undefined): DPFaults | undefined {
  const count = hooks?.canaries?.count ?? 0;
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`canary count must be an integer >= 0, got ${count}`);
  return checkTestFaults(hooks?.faults);
}

/**
 * One Poisson sample over the documents followed by `canaries` one-window members (indices
 * N .. N + canaries - 1 in the sampler): documents keep the inclusion uniforms they would have
 * without canaries. Returns the sampled documents and the sampled canary ids.
 */
export function samplePoissonWithCanaries(
  windowCounts: readonly number[],
  canaries: number,
  config: PoissonSamplerConfig,
  source: NoiseSource,
): { documents: SampledDocument[]; canaries: number[] } {
  if (canaries === 0) return { documents: samplePoissonStep(windowCounts, config, source), canaries: [] };
  const n = windowCounts.length;
  const all = samplePoissonStep([...windowCounts, ...new Array<number>(canaries).fill(1)], config, source);
  return {
    documents: all.filter((d) => d.documentIndex < n),
    canaries: all.filter((d) => d.documentIndex >= n).map((d) => d.documentIndex - n),
  };
}

/** Adds the sampled canaries' clipped gradients to the step's sums (disposing replaced tensors). */
export function addCanarySums(
  sums: Map<string, tf.Tensor>,
  hooks: DPAuditHooks | undefined,
  sampled: readonly number[],
  params: Params,
  clipNorm: number,
): Map<string, tf.Tensor> {
  if (!hooks?.canaries || sampled.length === 0) return sums;
  const shapes = new Map([...params].map(([name, p]) => [name, p.shape]));
  const canarySums = clippedSparseSums(hooks.canaries.gradients(sampled), shapes, clipNorm, hooks.faults);
  for (const [name, g] of canarySums) {
    const prev = sums.get(name);
    if (!prev) sums.set(name, g);
    else {
      sums.set(name, tf.add(prev, g));
      tf.dispose([prev, g]);
    }
  }
  return sums;
}

/**
 * The step's noise std: sigma C, unless a test injects faults (noise scale; the realised-batch /
 * per-micro-batch-noise bug, which also rescales the sums in place by qN / B).
 */
export function stepNoiseStd(
  sums: Map<string, tf.Tensor>,
  base: { std: number; expectedBatchSize: number; microBatchSize: number },
  realisedBatch: number,
  faults: DPFaults | undefined,
): number {
  let std = base.std * (faults?.noiseScale ?? 1);
  if (faults?.realisedBatchPerMicroBatchNoise && realisedBatch > 0) {
    std /= Math.sqrt(Math.ceil(realisedBatch / base.microBatchSize));
    for (const [name, s] of sums) {
      sums.set(name, tf.mul(s, base.expectedBatchSize / realisedBatch));
      s.dispose();
    }
  }
  return std;
}
