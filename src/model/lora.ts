/**
 * LoRA adapters (Hu et al. 2021) on GPT-2's linear layers, for parameter-efficient DP fine-tuning
 * (Yu et al. 2022): a frozen weight W (in, out) gets a trainable low-rank update, so the layer is
 *   y = x W + b + s (x A) B,   A (in, r), B (r, out), s = alpha / r.
 * A starts uniform in +-1/sqrt(in) (as PEFT's kaiming-uniform), B at zero, so training starts from
 * the pretrained model exactly. DP-SGD then noises r (in + out) numbers per layer instead of
 * in * out. After training the update is merged into W (`mergeLora`): the exported model is a
 * plain GPT-2.
 *
 * Adapter names extend the layer's name, `h.{i}.{target}.lora_A.weight` / `.lora_B.weight`, so
 * the DP book-keeping pass treats each factor as a bias-free linear layer of its own
 * (src/dp/tap.ts records its input and output gradient like any other).
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from './config';
import type { Params } from './params';

export const LORA_TARGETS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  /** Rank r of each update. */
  rank: number;
  /** Scale numerator: the update is multiplied by alpha / r. */
  alpha: number;
  /** Linear layers of every block that get an adapter. */
  targets: LoraTarget[];
}

export const DEFAULT_LORA: LoraConfig = {
  rank: 8,
  alpha: 16,
  targets: [...LORA_TARGETS],
};

/** The trainable adapter factors and their scale, as the forward pass consumes them. */
export interface LoraAdapters {
  scale: number;
  /** `h.{i}.{target}.lora_A.weight` (in, r) and `.lora_B.weight` (r, out) variables. */
  params: Params;
}

export function validateLora(c: LoraConfig): void {
  if (!Number.isInteger(c.rank) || c.rank < 1)
    throw new Error(`LoRA rank must be an integer >= 1, got ${c.rank}`);
  if (!(c.alpha > 0 && Number.isFinite(c.alpha))) throw new Error(`LoRA alpha must be > 0, got ${c.alpha}`);
  if (c.targets.length === 0) throw new Error('LoRA needs at least one target layer');
  const bad = c.targets.filter((t) => !(LORA_TARGETS as readonly string[]).includes(t));
  if (bad.length)
    throw new Error(`unknown LoRA targets ${bad.join(', ')} (known: ${LORA_TARGETS.join(', ')})`);
}

/** Layer names (e.g. `h.0.attn.c_attn`) that carry an adapter. */
export function loraLayers(config: GPTConfig, lora: LoraConfig): string[] {
  const layers: string[] = [];
  for (let i = 0; i < config.nLayer; i++) for (const t of lora.targets) layers.push(`h.${i}.${t}`);
  return layers;
}

/** Shapes of every adapter factor, in a fixed order (layer by layer, A then B). */
export function loraShapes(config: GPTConfig, lora: LoraConfig): Map<string, number[]> {
  validateLora(lora);
  const d = config.nEmbd;
  const io: Record<LoraTarget, [number, number]> = {
    'attn.c_attn': [d, 3 * d],
    'attn.c_proj': [d, d],
    'mlp.c_fc': [d, 4 * d],
    'mlp.c_proj': [4 * d, d],
  };
  const shapes = new Map<string, number[]>();
  for (let i = 0; i < config.nLayer; i++) {
    for (const t of lora.targets) {
      const [fanIn, fanOut] = io[t];
      shapes.set(`h.${i}.${t}.lora_A.weight`, [fanIn, lora.rank]);
      shapes.set(`h.${i}.${t}.lora_B.weight`, [lora.rank, fanOut]);
    }
  }
  return shapes;
}

/** Fresh adapters: A uniform in +-1/sqrt(in) from `seed` (public, data-independent), B = 0. */
export function createLoraAdapters(config: GPTConfig, lora: LoraConfig, seed: number): LoraAdapters {
  const params: Params = new Map();
  let k = 0;
  for (const [name, shape] of loraShapes(config, lora)) {
    const bound = 1 / Math.sqrt(shape[0]);
    const value = name.endsWith('lora_A.weight')
      ? tf.randomUniform(shape, -bound, bound, 'float32', seed * 1000 + k)
      : tf.zeros(shape);
    params.set(name, tf.variable(value, true));
    value.dispose();
    k++;
  }
  return { scale: lora.alpha / lora.rank, params };
}

/** Adapters from saved arrays (a checkpoint), shapes checked. */
export function loraAdaptersFromArrays(
  config: GPTConfig,
  lora: LoraConfig,
  arrays: Map<string, Float32Array>,
): LoraAdapters {
  const params: Params = new Map();
  for (const [name, shape] of loraShapes(config, lora)) {
    const data = arrays.get(name);
    const size = shape[0] * shape[1];
    if (!data || data.length !== size)
      throw new Error(`LoRA checkpoint: ${name} needs ${size} values, got ${data?.length ?? 'none'}`);
    const t = tf.tensor(data, shape, 'float32');
    params.set(name, tf.variable(t, true));
    t.dispose();
  }
  return { scale: lora.alpha / lora.rank, params };
}

/** The adapter factors (A, B) of a layer, if it has them. */
export function adapterOf(
  adapters: LoraAdapters | undefined,
  layer: string,
): { a: tf.Tensor2D; b: tf.Tensor2D } | undefined {
  const a = adapters?.params.get(`${layer}.lora_A.weight`);
  const b = adapters?.params.get(`${layer}.lora_B.weight`);
  return a && b ? { a: a as tf.Tensor2D, b: b as tf.Tensor2D } : undefined;
}

/**
 * Writes W0 + s A B into `params` for every adapted layer, W0 taken from `base` (the frozen
 * weights, `{layer}.weight`), so merging any number of times never accumulates.
 */
export function mergeLora(params: Params, base: Map<string, tf.Tensor>, adapters: LoraAdapters): void {
  for (const [weightName, w0] of base) {
    const layer = weightName.slice(0, -'.weight'.length);
    const ad = adapterOf(adapters, layer);
    if (!ad) throw new Error(`no adapter for ${weightName}`);
    const target = params.get(weightName);
    if (!target) throw new Error(`missing parameter ${weightName}`);
    tf.tidy(() => target.assign(tf.add(w0, tf.mul(tf.matMul(ad.a, ad.b), adapters.scale))));
  }
}

/** Copies of the frozen weights of the adapted layers (`{layer}.weight` -> W0), not trainable. */
export function frozenBaseWeights(params: Params, config: GPTConfig, lora: LoraConfig): Params {
  const base: Params = new Map();
  for (const layer of loraLayers(config, lora)) {
    const w = params.get(`${layer}.weight`);
    if (!w) throw new Error(`missing parameter ${layer}.weight`);
    base.set(`${layer}.weight`, tf.variable(w, false));
  }
  return base;
}
