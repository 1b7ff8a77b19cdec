/**
 * GPT-2 forward pass in TF.js: token + learned position embeddings, pre-LayerNorm blocks with
 * causal multi-head attention and a GELU (tanh) MLP, a final LayerNorm, and an LM head tied to the
 * token embedding (or untied). Parameter names and layouts are Hugging Face GPT-2's (params.ts).
 *
 * The per-layer operations go through a `LayerRunner`, so the same forward code serves
 * - ordinary autodiff training (`autodiffRunner`: gradients for every parameter), and
 * - the DP book-keeping pass (src/dp/tap.ts), which records each layer's input and adds a zero
 *   "probe" to each layer's output so that one backward pass yields every per-example output
 *   gradient without computing any weight gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from './config';
import { adapterOf, type LoraAdapters } from './lora';
import { causalAttention, embeddingLookup, gelu, layerNorm, linear, lmHeadLogits } from './ops';
import { getParam, type Params } from './params';

/** How each parameterised layer is computed; see the module comment. */
export interface LayerRunner {
  /** `x @ W (+ b)`, x (N, in). `site` names the layer, e.g. `h.0.attn.c_attn`. */
  linear(site: string, x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D;
  /** LayerNorm over the last axis of x (N, d). */
  layerNorm(site: string, x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D;
  /** wte[ids] + wpe[positions] for ids, positions (N,) int32. */
  embed(ids: tf.Tensor1D, positions: tf.Tensor1D, wte: tf.Tensor2D, wpe: tf.Tensor2D): tf.Tensor2D;
  /** Logits (N, V) = h (N, d) @ weight^T, weight (V, d) = wte (tied) or lm_head.weight. */
  lmHead(h: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D;
}

/** Plain autodiff: every op is differentiable in every parameter. */
export const autodiffRunner: LayerRunner = {
  linear: (_site, x, w, b) => linear(x, w, b),
  layerNorm: (_site, x, gamma, beta, eps) => layerNorm(x, gamma, beta, eps) as tf.Tensor2D,
  embed: (ids, positions, wte, wpe) => tf.add(embeddingLookup(wte, ids), embeddingLookup(wpe, positions)),
  // Plain matmuls only (a transposed matmul is ~10x slower on wasm), no V x d transpose.
  lmHead: (h, weight) => lmHeadLogits(h, weight),
};

/** Keys and values of past positions for one layer, (B, H, P, dh) each. */
export interface LayerKV {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

export interface ForwardOptions {
  runner?: LayerRunner;
  /** Also return the final hidden state (after ln_f), e.g. for hidden-state distillation. */
  returnHidden?: boolean;
  /** Cached keys/values of earlier positions, one entry per layer (generation). */
  past?: LayerKV[];
  /** Return this call's keys/values concatenated onto `past` (generation). */
  returnPresent?: boolean;
  /**
   * LoRA adapters (src/model/lora.ts): an adapted layer computes x W + b + s (x A) B, its two
   * factors run as bias-free linear layers `{site}.lora_A` and `{site}.lora_B` of the runner.
   */
  adapters?: LoraAdapters;
}

export interface ForwardResult {
  /** (B, T, V) next-token logits. */
  logits: tf.Tensor3D;
  /** (B, T, d) final hidden state after ln_f, when requested. */
  hidden?: tf.Tensor3D;
  /** Keys/values of all positions so far, when requested. */
  present?: LayerKV[];
}

/** Splits (N, d) into heads: (B, H, T, dh). */
function splitHeads(x: tf.Tensor2D, b: number, t: number, h: number): tf.Tensor4D {
  const dh = x.shape[1] / h;
  return tf.transpose(tf.reshape(x, [b, t, h, dh]), [0, 2, 1, 3]);
}

function mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
  const [b, h, t, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b * t, h * dh]);
}

/**
 * ids: (B, T) int32 with T + past length <= contextLength. Padding is on the right: causal
 * attention then never lets a real token see a pad, and losses mask the pads.
 */
export function forward(
  params: Params,
  config: GPTConfig,
  ids: tf.Tensor2D,
  opts: ForwardOptions = {},
): ForwardResult {
  const runner = opts.runner ?? autodiffRunner;
  const [b, t] = ids.shape;
  const pastLength = opts.past?.[0]?.k.shape[2] ?? 0;
  if (pastLength + t > config.contextLength) {
    throw new Error(
      `sequence length ${pastLength + t} exceeds the model's context length ${config.contextLength}`,
    );
  }
  const d = config.nEmbd;
  const nHead = config.nHead;
  const eps = config.layerNormEps;
  const p = (name: string) => getParam(params, name);

  const adapters = opts.adapters;
  const linearLayer = (site: string, x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D => {
    const y = runner.linear(site, x, w, bias);
    const ad = adapterOf(adapters, site);
    if (!ad || !adapters) return y;
    const u = runner.linear(`${site}.lora_A`, x, ad.a);
    return tf.add(y, runner.linear(`${site}.lora_B`, tf.mul(u, adapters.scale), ad.b));
  };

  const flatIds = tf.reshape(ids, [b * t]) as tf.Tensor1D;
  const positions = tf.tile(tf.range(pastLength, pastLength + t, 1, 'int32'), [b]) as tf.Tensor1D;
  let x = runner.embed(flatIds, positions, p('wte.weight') as tf.Tensor2D, p('wpe.weight') as tf.Tensor2D);

  const present: LayerKV[] = [];
  for (let i = 0; i < config.nLayer; i++) {
    const pre = `h.${i}.`;
    // Attention sub-block.
    const h1 = runner.layerNorm(
      `${pre}ln_1`,
      x,
      p(`${pre}ln_1.weight`) as tf.Tensor1D,
      p(`${pre}ln_1.bias`) as tf.Tensor1D,
      eps,
    );
    const qkv = linearLayer(
      `${pre}attn.c_attn`,
      h1,
      p(`${pre}attn.c_attn.weight`) as tf.Tensor2D,
      p(`${pre}attn.c_attn.bias`) as tf.Tensor1D,
    );
    const [q2, k2, v2] = tf.split(qkv, 3, 1) as tf.Tensor2D[];
    let k = splitHeads(k2, b, t, nHead);
    let v = splitHeads(v2, b, t, nHead);
    const past = opts.past?.[i];
    if (past) {
      k = tf.concat([past.k, k], 2);
      v = tf.concat([past.v, v], 2);
    }
    if (opts.returnPresent) present.push({ k, v });
    const att = mergeHeads(causalAttention(splitHeads(q2, b, t, nHead), k, v, pastLength));
    const attOut = linearLayer(
      `${pre}attn.c_proj`,
      att,
      p(`${pre}attn.c_proj.weight`) as tf.Tensor2D,
      p(`${pre}attn.c_proj.bias`) as tf.Tensor1D,
    );
    x = tf.add(x, attOut);
    // MLP sub-block.
    const h2 = runner.layerNorm(
      `${pre}ln_2`,
      x,
      p(`${pre}ln_2.weight`) as tf.Tensor1D,
      p(`${pre}ln_2.bias`) as tf.Tensor1D,
      eps,
    );
    const fc = linearLayer(
      `${pre}mlp.c_fc`,
      h2,
      p(`${pre}mlp.c_fc.weight`) as tf.Tensor2D,
      p(`${pre}mlp.c_fc.bias`) as tf.Tensor1D,
    );
    const mlpOut = linearLayer(
      `${pre}mlp.c_proj`,
      gelu(fc),
      p(`${pre}mlp.c_proj.weight`) as tf.Tensor2D,
      p(`${pre}mlp.c_proj.bias`) as tf.Tensor1D,
    );
    x = tf.add(x, mlpOut);
  }
  const hFinal = runner.layerNorm(
    'ln_f',
    x,
    p('ln_f.weight') as tf.Tensor1D,
    p('ln_f.bias') as tf.Tensor1D,
    eps,
  );
  const headWeight = (config.tieEmbeddings ? p('wte.weight') : p('lm_head.weight')) as tf.Tensor2D;
  const logits = runner.lmHead(hFinal, headWeight);
  const result: ForwardResult = { logits: tf.reshape(logits, [b, t, config.vocabSize]) };
  if (opts.returnHidden) result.hidden = tf.reshape(hFinal, [b, t, d]);
  if (opts.returnPresent) result.present = present;
  return result;
}
