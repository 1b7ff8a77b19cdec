import * as tf from '@tensorflow/tfjs';
import { type GPTConfig, makeConfig } from '../../../src/model/config';
import { type Params, paramShapes } from '../../../src/model/params';
import type { RefWeights } from '../reference/gpt2-reference';
import { seededNormal } from './random';

export function tinyConfig(partial: Partial<GPTConfig> = {}): GPTConfig {
  return makeConfig({ vocabSize: 23, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8, ...partial });
}

/**
 * Random weights with a larger scale than GPT-2's init (and random LayerNorm gains/biases), so
 * every term of the forward and backward pass is exercised. Returns float64 arrays (for the
 * reference) and TF.js variables holding the same values rounded to float32.
 */
export function randomWeights(cfg: GPTConfig, seed = 1, scale = 0.3): { ref: RefWeights; params: Params } {
  const normal = seededNormal(seed);
  const ref: RefWeights = new Map();
  const params: Params = new Map();
  for (const [name, shape] of paramShapes(cfg)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(size);
    const isGain = /ln_(1|2|f)\.weight$/.test(name);
    for (let i = 0; i < size; i++) data[i] = (isGain ? 1 : 0) + scale * normal();
    const f32 = Float32Array.from(data);
    ref.set(name, Float64Array.from(f32));
    const t = tf.tensor(f32, shape, 'float32');
    params.set(name, tf.variable(t, true));
    t.dispose();
  }
  return { ref, params };
}

export function randomIds(n: number, vocab: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % vocab;
  });
}
