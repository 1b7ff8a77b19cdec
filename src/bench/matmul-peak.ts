/**
 * The matmul peak of the current backend, measured: GFLOP/s of plain 2-D float32 matmuls (the
 * XNNPACK path on wasm: no transposes, no batch) at the model's own layer shapes and at one square
 * shape, best of the medians. The denominator of `fraction_of_peak`: what the step could reach if
 * it did nothing but its matrix products at the best speed this backend shows.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { median } from './stats';

export interface MatmulTiming {
  /** [m, k, n]: (m, k) @ (k, n). */
  shape: [number, number, number];
  median_ms: number;
  gflops: number;
}

export interface MatmulPeak {
  gflops_peak: number;
  timings: MatmulTiming[];
}

/** The layer shapes of a training step over `tokens` rows, plus a 1024^3 square. */
export function peakShapes(config: GPTConfig, tokens: number): [number, number, number][] {
  const d = config.nEmbd;
  return [
    [tokens, d, 3 * d],
    [tokens, d, 4 * d],
    [tokens, 4 * d, d],
    [1024, 1024, 1024],
  ];
}

async function timeMatmul([m, k, n]: [number, number, number], runs: number): Promise<MatmulTiming> {
  const a = tf.randomUniform([m, k], -1, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([k, n], -1, 1, 'float32', 2) as tf.Tensor2D;
  const once = async () => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    const ms = performance.now() - t0;
    c.dispose();
    return ms;
  };
  try {
    await once(); // warm-up: operator creation, first-touch of memory
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) samples.push(await once());
    const ms = median(samples);
    return { shape: [m, k, n], median_ms: ms, gflops: (2 * m * k * n) / (ms * 1e6) };
  } finally {
    tf.dispose([a, b]);
  }
}

export async function measureMatmulPeak(config: GPTConfig, tokens: number, runs = 5): Promise<MatmulPeak> {
  const timings: MatmulTiming[] = [];
  for (const shape of peakShapes(config, tokens)) timings.push(await timeMatmul(shape, runs));
  return { gflops_peak: Math.max(...timings.map((t) => t.gflops)), timings };
}
