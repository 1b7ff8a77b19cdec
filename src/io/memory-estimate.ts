/**
 * Memory needed to hold and run a GPT-2 configuration in float32, so the UI can refuse a model
 * that will not fit before loading it. A count of the tensors alive at the peak of a step, not
 * a measurement: allocator slack, the runtime itself, and the tokenizer are not included, so a
 * caller should compare `totalBytes` against available memory with some headroom.
 */
import { countParameters, type GPTConfig } from '../model/config';

export interface MemoryEstimateOptions {
  /** Sequences per forward/backward pass (the physical batch). */
  batch: number;
  /** Tokens per sequence. */
  seqLen: number;
  /** Training (gradients, optimizer state, saved activations) vs. inference only. */
  training: boolean;
  /** DP-SGD book-keeping: per-layer output gradients and per-example norm scratch (training only). */
  dp: boolean;
}

export interface MemoryEstimate {
  /** 4 bytes per parameter. */
  parameterBytes: number;
  /** Training only: summed gradient + AdamW's two moments (+ one noise buffer with DP). */
  optimizerBytes: number;
  /** Activations and other per-batch tensors alive at the peak. */
  activationBytes: number;
  totalBytes: number;
}

const BYTES = 4;

/**
 * Let P = parameters, B = batch, T = seqLen, N = B*T tokens, d = n_embd, L = n_layer,
 * H = n_head, V = vocab. Per token and layer, autodiff keeps about 24d + 2HT floats: block input
 * (d), two LayerNorms (3d each: centred input, normalised output, gained output), qkv (3d), the
 * three head-split copies (3d), attention scores and probabilities (2 H T), merged heads (d),
 * projection output and residual (2d), MLP hidden before and after GELU (8d).
 *
 * - parameters: 4P bytes.
 * - training: optimizer 4 * (P gradient + 2P AdamW moments [+ P Gaussian noise with DP]);
 *   activations 4 * N * ((L + 1)(24d + 2HT) + 5d + 4V): L saved layers, one more layer of
 *   backward temporaries, embeddings + final LayerNorm (5d), logits and the cross-entropy
 *   backward (softmax, one-hot, gradient: 4V).
 *   With DP add 4 * (N * (11 L d + d + V) + B * S): each layer's output gradients (c_attn 3d,
 *   c_proj d, c_fc 4d, mlp.c_proj d, two LayerNorms 2d), the embedding and logit gradients
 *   kept for the tied-embedding norm, and S = the largest per-example norm scratch over the
 *   linear layers: 2T^2 for a ghost norm or d_in*d_out for a direct one, whichever the
 *   cost rule (ghost when T < d_in*d_out / (d_in + d_out)) picks, and at least T^2 for the
 *   embedding's ghost norm.
 * - inference: 4 * (2LNd KV cache + N(24d + 2HT) one layer's temporaries + 2NV logits and
 *   their softmax).
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
  const n = b * t;
  const perLayerToken = 24 * d + 2 * h * t;

  const parameterBytes = BYTES * p;
  let optimizerBytes = 0;
  let activationFloats: number;
  if (training) {
    optimizerBytes = BYTES * (3 * p + (dp ? p : 0));
    activationFloats = n * ((l + 1) * perLayerToken + 5 * d + 4 * v);
    if (dp) activationFloats += n * (11 * l * d + d + v) + b * dpNormScratch(config, t);
  } else {
    activationFloats = 2 * l * n * d + n * perLayerToken + 2 * n * v;
  }
  const activationBytes = BYTES * activationFloats;
  return {
    parameterBytes,
    optimizerBytes,
    activationBytes,
    totalBytes: parameterBytes + optimizerBytes + activationBytes,
  };
}

/** Floats of per-example scratch for the norm of the most demanding layer (see above). */
function dpNormScratch(config: GPTConfig, t: number): number {
  const d = config.nEmbd;
  const linears: [number, number][] = [
    [d, 3 * d],
    [d, d],
    [d, 4 * d],
    [4 * d, d],
  ];
  if (!config.tieEmbeddings) linears.push([d, config.vocabSize]);
  let worst = t * t;
  for (const [din, dout] of linears) {
    const ghost = t < (din * dout) / (din + dout);
    worst = Math.max(worst, ghost ? 2 * t * t : din * dout);
  }
  return worst;
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
}

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
  };
}
