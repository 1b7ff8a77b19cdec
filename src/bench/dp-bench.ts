/**
 * DP step benchmark: median time and peak memory of a non-DP step (autodiff gradients), the fast
 * DP step (book-keeping per-example clipping) and the naive oracle (per-example loop), measured
 * side by side in one process on one batch; and, for the memory estimate's check, the peak of a
 * whole DP training step (clipped sums, noise, AdamW with its moments) next to what
 * src/io/memory-estimate.ts (modelMemory) estimates for it. Memory (src/bench/memory.ts): exact peak tensor bytes
 * and, when the caller can restart the wasm module, the heap high-water mark of each step on a
 * fresh module. Ratios, not absolute times, are the result: the machines are shared and noisy.
 */
import * as tf from '@tensorflow/tfjs';
import { clippedGradientsFast, trainableNames } from '../dp/clipping';
import { resolveReductionStrategy } from '../dp/norm-accumulator';
import { clippedGradientsNaive } from '../dp/oracle';
import { modelMemory } from '../io/memory-estimate';
import type { GPTConfig } from '../model/config';
import type { TokenBatch } from '../model/losses';
import { disposeParams, initParams, type Params } from '../model/params';
import { insecureFixedSeedNoiseSource } from '../random/noise';
import { applyNoisyStep } from '../train/noisy-update';
import { AdamW } from '../train/optimizer';
import { lmGradients } from '../train/step';
import { type BenchConfig, benchConfig } from './bench-configs';
import { trainingStepFlops } from './flops';
import { peakTensorBytesDuring, tensorBytes, wasmHeapBytes } from './memory';
import { median } from './stats';

export { DP_BENCH_CONFIGS } from './bench-configs';

export interface DPBenchOptions {
  /** Timed repetitions of each step (median reported; default 5). */
  repeats: number;
  /** Time the naive oracle too (default true; slow at GPT-2 size). */
  naive: boolean;
  /** Measure a whole DP training step's memory against the app's estimate (default true). */
  trainingStep: boolean;
  /** Override the configuration's batch. */
  batch?: number;
  /**
   * Restarts the wasm module (a fresh heap) before each memory measurement and the timing;
   * without it the heap figures are null and everything runs on the current backend.
   */
  restart?: () => Promise<void>;
}

export const DEFAULT_DP_BENCH: DPBenchOptions = { repeats: 5, naive: true, trainingStep: true };

export interface DPBenchResult {
  config: string;
  description: string;
  model: GPTConfig;
  batch: number;
  backend: string;
  /** How the fast DP step reduced layer gradients: fused WGSL kernels (webgpu) or wasm loops. */
  dp_reduction: string;
  repeats: number;
  /** Tokens per step (batch x context) and the step's model FLOPs (src/bench/flops.ts). */
  tokens_per_step: number;
  step_flops: number;
  nondp_ms: number;
  dp_ms: number;
  naive_ms: number | null;
  nondp_tokens_per_s: number;
  dp_tokens_per_s: number;
  /** Peak live tensor bytes of each step, weights and batch included (src/bench/memory.ts). */
  nondp_peak_bytes: number;
  dp_peak_bytes: number;
  naive_peak_bytes: number | null;
  /** Wasm heap high-water mark of each step on a fresh module (null without `restart`). */
  nondp_heap_bytes: number | null;
  dp_heap_bytes: number | null;
  naive_heap_bytes: number | null;
  /** The same for a whole DP training step: clipped sums, noise, AdamW (moments included). */
  training_step_peak_bytes: number | null;
  training_step_heap_bytes: number | null;
  /** What the app estimates for that step (modelMemory(config, batch).trainingBytes). */
  estimated_training_bytes: number;
  /**
   * estimated_training_bytes over the training step's heap high-water mark (its tensor peak when
   * there is no heap figure); the app wants this within 0.75-1.25.
   */
  estimate_over_measured: number | null;
  dp_over_nondp_time: number;
  dp_over_nondp_memory: number;
  naive_over_dp_time: number | null;
  /** Every timing, in the order measured (interleaved: nondp, dp, naive, nondp, ...). */
  samples_ms: { nondp: number[]; dp: number[]; naive: number[] };
}

export type StepKind = 'nondp' | 'dp' | 'naive';

export function syntheticBatch(model: GPTConfig, batch: number): TokenBatch {
  const t = model.contextLength;
  const ids = (b: number, i: number) => (b * 7919 + i * 104729) % Math.min(256, model.vocabSize);
  const rows = (shift: number) =>
    Array.from({ length: batch }, (_, b) => Array.from({ length: t }, (_, i) => ids(b, i + shift)));
  return {
    inputs: tf.tensor2d(rows(0), [batch, t], 'int32'),
    targets: tf.tensor2d(rows(1), [batch, t], 'int32'),
    mask: tf.ones([batch, t]) as tf.Tensor2D,
  };
}

/** Reads every output back (so a timing covers the work), then frees it. */
async function settle(ts: tf.Tensor[]): Promise<void> {
  for (const t of ts) await t.data();
  tf.dispose(ts);
}

/** The three gradient computations being compared, each run to completion. */
export function stepRunners(
  params: Params,
  model: GPTConfig,
  batch: TokenBatch,
): Record<StepKind, () => Promise<void>> {
  return {
    nondp: async () => {
      const r = lmGradients(params, model, batch);
      await settle([r.loss, ...r.grads.values()]);
    },
    dp: async () => {
      const r = clippedGradientsFast(params, model, batch, { clipNorm: 1 });
      await settle([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
    },
    naive: async () => {
      const r = clippedGradientsNaive(params, model, batch, { clipNorm: 1 });
      await settle([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
    },
  };
}

interface StepMemory {
  peak: number;
  heap: number | null;
}

/**
 * Memory of one run of a step on fresh weights (and a fresh module with `restart`). With
 * `withOptimizer` the step is a whole DP training step: clipped sums, noise (a fixed test seed:
 * nothing private here), AdamW with its moments allocated as in training.
 */
async function measureStep(
  c: BenchConfig,
  kind: StepKind | 'training',
  restart: (() => Promise<void>) | undefined,
): Promise<StepMemory> {
  await restart?.();
  const params = initParams(c.model, 1);
  const batch = syntheticBatch(c.model, c.batch);
  const names = [...trainableNames(params, c.model, 'train')];
  const optimizer = kind === 'training' ? new AdamW(new Map(names.map((n) => [n, params.get(n)!]))) : null;
  const held = [...params.values(), batch.inputs, batch.targets, batch.mask];
  const baseline = tensorBytes(held) + (optimizer ? 2 * tensorBytes(names.map((n) => params.get(n)!)) : 0);
  const steps = stepRunners(params, c.model, batch);
  const noise = { std: 1, expectedBatchSize: c.batch, source: insecureFixedSeedNoiseSource(1) };
  const run = async () => {
    if (!optimizer) return steps[kind as StepKind]();
    const r = clippedGradientsFast(params, c.model, batch, { clipNorm: 1 });
    applyNoisyStep(optimizer, r.clippedSum, names, params, noise);
    await settle([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
    for (const n of names) await params.get(n)!.data();
  };
  try {
    const peak = baseline + (await peakTensorBytesDuring(run));
    return { peak, heap: restart ? wasmHeapBytes() : null };
  } finally {
    optimizer?.dispose();
    disposeParams(params);
    tf.dispose([batch.inputs, batch.targets, batch.mask]);
  }
}

export async function runDPBenchmark(
  name: string,
  options: Partial<DPBenchOptions> = {},
  onProgress?: (msg: string) => void,
): Promise<DPBenchResult> {
  const o = { ...DEFAULT_DP_BENCH, ...options };
  if (!Number.isInteger(o.repeats) || o.repeats < 1)
    throw new Error(`repeats must be an integer >= 1, got ${o.repeats}`);
  const c: BenchConfig = benchConfig(name, o.batch);
  const kinds: StepKind[] = o.naive ? ['nondp', 'dp', 'naive'] : ['nondp', 'dp'];
  const memory: Partial<Record<StepKind | 'training', StepMemory>> = {};
  for (const k of [...kinds, ...(o.trainingStep ? (['training'] as const) : [])]) {
    onProgress?.(`memory: ${k === 'training' ? 'a whole DP training step (noise, AdamW)' : k}`);
    memory[k] = await measureStep(c, k, o.restart);
  }
  await o.restart?.();
  const params = initParams(c.model, 1);
  const batch = syntheticBatch(c.model, c.batch);
  const steps = stepRunners(params, c.model, batch);
  const samples = { nondp: [] as number[], dp: [] as number[], naive: [] as number[] };
  try {
    for (const k of kinds) {
      onProgress?.(`warm-up: ${k}`);
      await steps[k]();
    }
    for (let r = 0; r < o.repeats; r++) {
      for (const k of kinds) {
        const t0 = performance.now();
        await steps[k]();
        samples[k].push(performance.now() - t0);
      }
      onProgress?.(
        `round ${r + 1}/${o.repeats}: ${kinds.map((k) => `${k} ${samples[k][r].toFixed(0)} ms`).join(', ')}`,
      );
    }
  } finally {
    disposeParams(params);
    tf.dispose([batch.inputs, batch.targets, batch.mask]);
  }
  const tokens = c.batch * c.model.contextLength;
  const nondp = median(samples.nondp);
  const dp = median(samples.dp);
  const naive = o.naive ? median(samples.naive) : null;
  const estimated = modelMemory(c.model, c.batch).trainingBytes;
  const training = memory.training;
  const trainingMeasured = training ? (training.heap ?? training.peak) : null;
  return {
    config: name,
    description: c.description,
    model: c.model,
    batch: c.batch,
    backend: tf.getBackend(),
    dp_reduction: resolveReductionStrategy('auto'),
    repeats: o.repeats,
    tokens_per_step: tokens,
    step_flops: trainingStepFlops(c.model, c.batch, c.model.contextLength),
    nondp_ms: nondp,
    dp_ms: dp,
    naive_ms: naive,
    nondp_tokens_per_s: (tokens / nondp) * 1000,
    dp_tokens_per_s: (tokens / dp) * 1000,
    nondp_peak_bytes: memory.nondp!.peak,
    dp_peak_bytes: memory.dp!.peak,
    naive_peak_bytes: memory.naive?.peak ?? null,
    nondp_heap_bytes: memory.nondp!.heap,
    dp_heap_bytes: memory.dp!.heap,
    naive_heap_bytes: memory.naive?.heap ?? null,
    training_step_peak_bytes: training?.peak ?? null,
    training_step_heap_bytes: training?.heap ?? null,
    estimated_training_bytes: estimated,
    estimate_over_measured: trainingMeasured ? estimated / trainingMeasured : null,
    dp_over_nondp_time: dp / nondp,
    dp_over_nondp_memory: memory.dp!.peak / memory.nondp!.peak,
    naive_over_dp_time: naive === null ? null : naive / dp,
    samples_ms: samples,
  };
}
