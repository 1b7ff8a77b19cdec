/**
 * Model parameters, named and shaped exactly as Hugging Face's GPT2LMHeadModel state dict
 * (without the `transformer.` prefix). Linear weights are HF Conv1D layout (in, out), so a
 * forward is `x @ W + b` with no transpose. The untied LM head is `lm_head.weight` (vocab, in).
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from './config';

export type ParamName = string;
/** An ordered map of named parameters (insertion order = HF state-dict order). */
export type Params = Map<ParamName, tf.Variable>;

export const blockParamSuffixes = [
  'ln_1.weight',
  'ln_1.bias',
  'attn.c_attn.weight',
  'attn.c_attn.bias',
  'attn.c_proj.weight',
  'attn.c_proj.bias',
  'ln_2.weight',
  'ln_2.bias',
  'mlp.c_fc.weight',
  'mlp.c_fc.bias',
  'mlp.c_proj.weight',
  'mlp.c_proj.bias',
] as const;

/** Every parameter name and shape of a configuration, in HF order. */
export function paramShapes(c: GPTConfig): Map<ParamName, number[]> {
  const d = c.nEmbd;
  const shapes = new Map<ParamName, number[]>();
  shapes.set('wte.weight', [c.vocabSize, d]);
  shapes.set('wpe.weight', [c.contextLength, d]);
  for (let i = 0; i < c.nLayer; i++) {
    const p = `h.${i}.`;
    shapes.set(`${p}ln_1.weight`, [d]);
    shapes.set(`${p}ln_1.bias`, [d]);
    shapes.set(`${p}attn.c_attn.weight`, [d, 3 * d]);
    shapes.set(`${p}attn.c_attn.bias`, [3 * d]);
    shapes.set(`${p}attn.c_proj.weight`, [d, d]);
    shapes.set(`${p}attn.c_proj.bias`, [d]);
    shapes.set(`${p}ln_2.weight`, [d]);
    shapes.set(`${p}ln_2.bias`, [d]);
    shapes.set(`${p}mlp.c_fc.weight`, [d, 4 * d]);
    shapes.set(`${p}mlp.c_fc.bias`, [4 * d]);
    shapes.set(`${p}mlp.c_proj.weight`, [4 * d, d]);
    shapes.set(`${p}mlp.c_proj.bias`, [d]);
  }
  shapes.set('ln_f.weight', [d]);
  shapes.set('ln_f.bias', [d]);
  if (!c.tieEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, d]);
  return shapes;
}

/** Biases and LayerNorm parameters get no weight decay (as in HF / Opacus fine-tuning recipes). */
export function isDecayed(name: ParamName): boolean {
  return !(name.endsWith('.bias') || /(^|\.)ln_(1|2|f)\.weight$/.test(name));
}

export function isEmbedding(name: ParamName): boolean {
  return name === 'wte.weight' || name === 'wpe.weight' || name === 'lm_head.weight';
}

/**
 * GPT-2 initialisation: N(0, 0.02) for weights and embeddings, zeros for biases, ones for
 * LayerNorm gains, and the residual projections (`c_proj`) scaled by 1/sqrt(2 n_layer).
 * The seed is for reproducible model init only; it has nothing to do with DP noise.
 */
export function initParams(c: GPTConfig, seed = 0): Params {
  const params: Params = new Map();
  let k = 0;
  for (const [name, shape] of paramShapes(c)) {
    const value = tf.tidy(() => {
      if (name.endsWith('.bias')) return tf.zeros(shape);
      if (/ln_(1|2|f)\.weight$/.test(name)) return tf.ones(shape);
      const std = name.endsWith('c_proj.weight') ? 0.02 / Math.sqrt(2 * c.nLayer) : 0.02;
      return tf.randomNormal(shape, 0, std, 'float32', seed * 1000 + k);
    });
    // Unnamed: TF.js variable names are global, and a teacher and a student share HF names.
    params.set(name, tf.variable(value, true));
    value.dispose();
    k++;
  }
  return params;
}

/** Builds Params from named Float32Arrays (e.g. a loaded checkpoint), checking every shape. */
export function paramsFromArrays(c: GPTConfig, arrays: Map<string, Float32Array>): Params {
  const shapes = paramShapes(c);
  const missing = [...shapes.keys()].filter((n) => !arrays.has(n));
  const extra = [...arrays.keys()].filter((n) => !shapes.has(n));
  if (missing.length || extra.length) {
    throw new Error(
      `parameters do not match the config: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`,
    );
  }
  const params: Params = new Map();
  for (const [name, shape] of shapes) {
    const data = arrays.get(name)!;
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size)
      throw new Error(`parameter ${name}: expected ${size} values for shape [${shape}], got ${data.length}`);
    const t = tf.tensor(data, shape, 'float32');
    params.set(name, tf.variable(t, true));
    t.dispose();
  }
  return params;
}

/** Reads every parameter back to named Float32Arrays (async: webgpu forbids sync reads). */
export async function paramsToArrays(params: Params): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of params) out.set(name, (await v.data()) as Float32Array);
  return out;
}

export function disposeParams(params: Params): void {
  for (const v of params.values()) v.dispose();
}

export function getParam(params: Params, name: ParamName): tf.Variable {
  const v = params.get(name);
  if (!v) throw new Error(`missing parameter ${name}`);
  return v;
}
