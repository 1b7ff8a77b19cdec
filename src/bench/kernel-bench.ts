/**
 * Per-kernel timings of the DP hot path: median wall time of each WGSL kernel (src/kernels) on a
 * representative shape, next to its plain TF.js twin on the same backend. Off webgpu only the
 * twins run (the WGSL column is null). A timing covers dispatch plus `await data()` of the output,
 * so it includes one read-back; the first run of each (shader compilation) is not timed.
 * Inputs are random (TF.js' RNG is fine here: nothing private, no DP noise that matters).
 */
import * as tf from '@tensorflow/tfjs';
import {
  biasNormSq,
  biasNormSqTwin,
  clippedBiasSum,
  clippedBiasSumTwin,
  clippedWeightSum,
  clippedWeightSumTwin,
  directNormSq,
  directNormSqTwin,
  embeddingNormSq,
  embeddingNormSqTwin,
  ghostNormSq,
  ghostNormSqTwin,
  type NoisyAdamWConfig,
  noisyAdamW,
  noisyAdamWTwin,
  tiedCrossSum,
  tiedCrossSumTwin,
} from '../kernels';
import { webgpuActive } from '../kernels/webgpu-backend';
import { median } from './stats';

/** One linear layer's (A, G) and the tied-head shapes of a DP micro-batch. */
export interface KernelBenchShape {
  /** Examples B and tokens per example L. */
  examples: number;
  tokens: number;
  /** Linear layer input and output widths d, p. */
  dIn: number;
  dOut: number;
  /** Vocabulary V (embedding and tied-head terms). */
  vocab: number;
  /** Elements of the parameter the noisy AdamW update runs over. */
  adamwSize: number;
}

export const KERNEL_BENCH_SHAPES: Record<string, KernelBenchShape> = {
  /** The 'tiny' DP benchmark model's c_attn (width 32 -> 96), T 32, batch 8. */
  tiny: { examples: 8, tokens: 32, dIn: 32, dOut: 96, vocab: 258, adamwSize: 32 * 96 },
  /** The 'small' DP benchmark model's c_fc (width 128 -> 512), T 128, batch 16. */
  small: { examples: 16, tokens: 128, dIn: 128, dOut: 512, vocab: 258, adamwSize: 128 * 512 },
  /** GPT-2 small's c_fc (768 -> 3072), T 128, batch 8; byte vocabulary keeps Gl small. */
  gpt2: { examples: 8, tokens: 128, dIn: 768, dOut: 3072, vocab: 258, adamwSize: 768 * 3072 },
};

export interface KernelTiming {
  kernel: string;
  /** Median ms of the WGSL kernel; null off webgpu. */
  wgsl_ms: number | null;
  /** Median ms of the TF.js twin on the same backend. */
  twin_ms: number;
  /** twin_ms / wgsl_ms (> 1: the kernel is faster); null off webgpu. */
  twin_over_wgsl: number | null;
  samples_ms: { wgsl: number[]; twin: number[] };
}

export interface KernelBenchResult {
  shapes: string;
  shape: KernelBenchShape;
  backend: string;
  runs: number;
  timings: KernelTiming[];
}

type Outputs = tf.Tensor | tf.Tensor[];

interface KernelPair {
  kernel: string;
  wgsl: () => Outputs;
  twin: () => Outputs;
}

async function timeOnce(fn: () => Outputs): Promise<number> {
  const t0 = performance.now();
  const out = fn();
  const list = Array.isArray(out) ? out : [out];
  for (const t of list) await t.data();
  const ms = performance.now() - t0;
  tf.dispose(list);
  return ms;
}

async function timeMedian(fn: () => Outputs, runs: number): Promise<{ median: number; samples: number[] }> {
  await timeOnce(fn); // compiles pipelines, fills caches
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) samples.push(await timeOnce(fn));
  return { median: median(samples), samples };
}

function kernelPairs(s: KernelBenchShape, inputs: Record<string, tf.Tensor>): KernelPair[] {
  const a = inputs.a as tf.Tensor3D;
  const g = inputs.g as tf.Tensor3D;
  const b = inputs.b as tf.Tensor3D;
  const gl = inputs.gl as tf.Tensor3D;
  const ids = inputs.ids as tf.Tensor2D;
  const c = inputs.c as tf.Tensor1D;
  const state = { theta: inputs.theta, m: inputs.m, v: inputs.v };
  const adamw: NoisyAdamWConfig = {
    // A fixed seed: this is a timing, not DP noise.
    seed: { key: [1, 2], stream: [3, 4] },
    noiseStd: 1,
    expectedBatchSize: s.examples,
    lr: 1e-4,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0.01,
    step: 1,
  };
  const adamwOut = (r: { theta: tf.Tensor; m: tf.Tensor; v: tf.Tensor }) => [r.theta, r.m, r.v];
  return [
    { kernel: 'ghostNormSq', wgsl: () => ghostNormSq(a, g), twin: () => ghostNormSqTwin(a, g) },
    { kernel: 'directNormSq', wgsl: () => directNormSq(a, g), twin: () => directNormSqTwin(a, g) },
    { kernel: 'biasNormSq', wgsl: () => biasNormSq(g), twin: () => biasNormSqTwin(g) },
    {
      kernel: 'embeddingNormSq',
      wgsl: () => embeddingNormSq(ids, b),
      twin: () => embeddingNormSqTwin(ids, b),
    },
    {
      kernel: 'tiedCrossSum',
      wgsl: () => tiedCrossSum(gl, a, b, ids),
      twin: () => tiedCrossSumTwin(gl, a, b, ids),
    },
    {
      kernel: 'clippedWeightSum',
      wgsl: () => clippedWeightSum(a, g, c),
      twin: () => clippedWeightSumTwin(a, g, c),
    },
    { kernel: 'clippedBiasSum', wgsl: () => clippedBiasSum(g, c), twin: () => clippedBiasSumTwin(g, c) },
    {
      kernel: 'noisyAdamW',
      wgsl: () => adamwOut(noisyAdamW(state, inputs.sum, adamw)),
      twin: () => adamwOut(noisyAdamWTwin(state, inputs.sum, adamw)),
    },
  ];
}

function makeInputs(s: KernelBenchShape): Record<string, tf.Tensor> {
  const { examples: e, tokens: l, dIn: d, dOut: p, vocab: v, adamwSize: n } = s;
  return {
    a: tf.randomNormal([e, l, d]),
    g: tf.randomNormal([e, l, p]),
    b: tf.randomNormal([e, l, d]),
    gl: tf.randomNormal([e, l, v]),
    ids: tf.randomUniform([e, l], 0, v, 'int32'),
    c: tf.randomUniform([e], 0.1, 1),
    theta: tf.randomNormal([n]),
    sum: tf.randomNormal([n]),
    m: tf.randomNormal([n], 0, 0.01),
    v: tf.randomUniform([n], 0, 1e-4),
  };
}

export async function runKernelBenchmark(
  shapes: string,
  runs = 10,
  onProgress?: (msg: string) => void,
): Promise<KernelBenchResult> {
  const shape = KERNEL_BENCH_SHAPES[shapes];
  if (!shape) {
    const known = Object.keys(KERNEL_BENCH_SHAPES).join(', ');
    throw new Error(`unknown kernel benchmark shapes "${shapes}" (known: ${known})`);
  }
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`kernel runs must be an integer >= 1, got ${runs}`);
  const onGPU = webgpuActive();
  const inputs = makeInputs(shape);
  const timings: KernelTiming[] = [];
  try {
    for (const pair of kernelPairs(shape, inputs)) {
      onProgress?.(`kernel ${pair.kernel}`);
      const wgsl = onGPU ? await timeMedian(pair.wgsl, runs) : null;
      const twin = await timeMedian(pair.twin, runs);
      timings.push({
        kernel: pair.kernel,
        wgsl_ms: wgsl?.median ?? null,
        twin_ms: twin.median,
        twin_over_wgsl: wgsl ? twin.median / wgsl.median : null,
        samples_ms: { wgsl: wgsl?.samples ?? [], twin: twin.samples },
      });
    }
  } finally {
    tf.dispose(Object.values(inputs));
  }
  return { shapes, shape, backend: tf.getBackend(), runs, timings };
}
