/**
 * Memory needed to hold and run a GPT-2 configuration in float32, so the app can refuse a model
 * that will not fit before loading it. A model of what the code holds at the peak of a step,
 * calibrated against the WASM heap measured by `distildp bench dp` (the high-water mark of a whole
 * DP training step on a fresh module: tests/unit/memory-estimate.test.ts holds the measurements and
 * requires agreement within 25%). The tokenizer and the page itself are not included.
 */
import { countParameters, type GPTConfig } from '../model/config';

export interface MemoryEstimateOptions {
  /** Sequences per forward/backward pass (the physical batch). */
  batch: number;
  /** Tokens per sequence. */
  seqLen: number;
  /** Training (gradients, optimizer state, saved activations) vs. inference only. */
  training: boolean;
  /** DP-SGD: clipped sums and their noisy average instead of one gradient (training only). */
  dp: boolean;
}

export interface MemoryEstimate {
  /** 4 bytes per parameter. */
  parameterBytes: number;
  /**
   * Training only: AdamW's two moments, the gradient (DP: the clipped sums and their noisy average),
   * the update's temporaries of the largest parameter, and XNNPACK's packed copies of the weight
   * matrices (the wasm backend packs every matmul's right operand and keeps it while it lives).
   */
  optimizerBytes: number;
  /** Activations and other per-batch tensors alive at the peak. */
  activationBytes: number;
  /** The sum, times the allocator's overhead (ALLOCATOR_OVERHEAD). */
  totalBytes: number;
}

const BYTES = 4;

/**
 * Heap over live tensors, measured: the allocator's free-but-fragmented blocks and emscripten's
 * growth steps (distilgpt2 shape, batch 1-4: heap / tensor peak 1.09-1.14).
 */
export const ALLOCATOR_OVERHEAD = 1.1;

/**
 * Let P = parameters, P_lin = the four linear layers' weights (12 L d^2), W_max = the largest
 * parameter (the token embedding V d for GPT-2 vocabularies), B = batch, T = seqLen, N = B T
 * tokens, d = n_embd, L = n_layer, H = n_head, V = vocab.
 *
 * - parameters: 4 P bytes.
 * - training: 4 (2 P moments + G + 3 W_max + P_lin + V d) with G = 2 P under DP (clipped sums, then
 *   their noisy average, both alive while AdamW runs) or P without; 3 W_max: AdamW's temporaries
 *   (one statement at a time, src/train/optimizer.ts); P_lin + V d: packed weights (the linear
 *   layers' forward operands and the head's W in dY W).
 * - activations (training): 4 N (c V + (L + 1)(24 d + 2 H T)): per token and layer autodiff keeps
 *   about 24 d + 2 H T floats (block input, LayerNorms, qkv and its head-split copies, attention
 *   scores and probabilities, merged heads, projection and residual, MLP hidden before and after
 *   GELU), for L saved layers and one layer of backward temporaries; c V: the logits and their
 *   gradient's vocabulary-sized temporaries, c = 2 under DP (what the measured heap grows by per
 *   token: the DP pass frees the cross-entropy's temporaries before it forms the clipped sums) and
 *   c = 6 without (softmax, one-hot, difference, scaled gradient and its transpose, alive with
 *   the weight gradients).
 * - inference: 4 (2 L N d KV cache + N (24 d + 2 H T) one layer's temporaries + 2 N V logits and
 *   their softmax); no optimizer.
 * totalBytes = ALLOCATOR_OVERHEAD x the sum.
 */
export function estimateModelMemory(config: GPTConfig, options: MemoryEstimateOptions): MemoryEstimate {
  const { batch: b, seqLen: t, training, dp } = options;
  for (const [key, v] of [
    ['batch', b],
    ['seqLen', t],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`estimateModelMemory: ${key} must be a positive integer, got ${v}`);
  }
  if (t > config.contextLength) {
    throw new Error(
      `estimateModelMemory: seqLen ${t} exceeds the model's context length ${config.contextLength}`,
    );
  }
  const { nEmbd: d, nLayer: l, nHead: h, vocabSize: v } = config;
  const p = countParameters(config);
  const linear = 12 * l * d * d;
  const largest = Math.max(v * d, 4 * d * d, config.contextLength * d);
  const n = b * t;
  const perLayerToken = 24 * d + 2 * h * t;

  const parameterBytes = BYTES * p;
  let optimizerBytes = 0;
  let activationFloats: number;
  if (training) {
    const gradients = dp ? 2 * p : p;
    optimizerBytes = BYTES * (2 * p + gradients + 3 * largest + linear + v * d);
    activationFloats = n * ((dp ? 2 : 6) * v + (l + 1) * perLayerToken);
  } else {
    activationFloats = 2 * l * n * d + n * perLayerToken + 2 * n * v;
  }
  const activationBytes = BYTES * activationFloats;
  return {
    parameterBytes,
    optimizerBytes,
    activationBytes,
    totalBytes: Math.round(ALLOCATOR_OVERHEAD * (parameterBytes + optimizerBytes + activationBytes)),
  };
}

/** The largest batch (1..max) whose DP training estimate fits in `limitBytes`, or 0 if none. */
export function largestFittingBatch(
  config: GPTConfig,
  seqLen: number,
  limitBytes: number,
  max = 256,
): number {
  const fits = (batch: number) =>
    estimateModelMemory(config, { batch, seqLen, training: true, dp: true }).totalBytes <= limitBytes;
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Bytes of the memory estimate of a model, and the batch it assumes. */
export interface ModelMemory {
  /** DP training of one micro-batch (parameters, optimizer, activations, per-example scratch). */
  trainingBytes: number;
  inferenceBytes: number;
  batch: number;
  seqLen: number;
  /** The largest single buffer a step allocates (logits of a micro-batch or an embedding). */
  largestBufferBytes: number;
  /** The largest micro-batch whose DP training fits the WASM backend's 4 GiB (0: not even 1). */
  largestWasmBatch?: number;
}

/** The wasm backend's heap lives in a 32-bit address space. */
export const WASM_MEMORY_BYTES = 4 * 1024 ** 3;

const F32 = 4;

/** Training (DP, one micro-batch of full-context windows) and inference memory, and the largest buffer. */
export function modelMemory(config: GPTConfig, batch: number): ModelMemory {
  const seqLen = config.contextLength;
  const training = estimateModelMemory(config, { batch, seqLen, training: true, dp: true });
  const inference = estimateModelMemory(config, { batch, seqLen, training: false, dp: false });
  const d = config.nEmbd;
  const largestFloats = Math.max(
    batch * seqLen * config.vocabSize, // logits of a micro-batch
    config.vocabSize * d, // token embedding (and its gradient)
    4 * d * d, // MLP weights
    batch * config.nHead * seqLen * seqLen, // attention probabilities
  );
  return {
    trainingBytes: training.totalBytes,
    inferenceBytes: inference.totalBytes,
    batch,
    seqLen,
    largestBufferBytes: largestFloats * F32,
    largestWasmBatch: largestFittingBatch(config, seqLen, WASM_MEMORY_BYTES),
  };
}
