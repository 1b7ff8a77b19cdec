/**
 * DP step benchmark: median time and peak tensor memory of a non-DP step (autodiff gradients),
 * the fast DP step (book-keeping per-example clipping) and the naive oracle (per-example loop),
 * measured side by side in one process on one batch. Ratios, not absolute times, are the result:
 * the machines are shared and noisy.
 */
import * as tf from '@tensorflow/tfjs';
import { clippedGradientsFast } from '../dp/clipping';
import { resolveReductionStrategy } from '../dp/norm-accumulator';
import { clippedGradientsNaive } from '../dp/oracle';
import { type GPTConfig, makeConfig } from '../model/config';
import type { TokenBatch } from '../model/losses';
import { disposeParams, initParams } from '../model/params';
import { lmGradients } from '../train/step';

export interface BenchConfig {
  model: GPTConfig;
  batch: number;
}

export const DP_BENCH_CONFIGS: Record<string, BenchConfig> = {
  /** The DP engine issue's reference: 4 layers, width 128, context 128, batch 16, byte vocabulary. */
  small: {
    model: makeConfig({ vocabSize: 258, contextLength: 128, nLayer: 4, nHead: 4, nEmbd: 128 }),
    batch: 16,
  },
  /** A quick smoke configuration. */
  tiny: {
    model: makeConfig({ vocabSize: 258, contextLength: 32, nLayer: 2, nHead: 2, nEmbd: 32 }),
    batch: 8,
  },
};

export interface DPBenchResult {
  config: string;
  model: GPTConfig;
  batch: number;
  backend: string;
  /** How the fast DP step reduced layer gradients: fused WGSL kernels (webgpu) or wasm loops. */
  dp_reduction: string;
  repeats: number;
  nondp_ms: number;
  dp_ms: number;
  naive_ms: number;
  nondp_peak_bytes: number;
  dp_peak_bytes: number;
  naive_peak_bytes: number;
  dp_over_nondp_time: number;
  dp_over_nondp_memory: number;
  naive_over_dp_time: number;
  /** Every timing, in the order measured (interleaved: nondp, dp, naive, nondp, ...). */
  samples_ms: { nondp: number[]; dp: number[]; naive: number[] };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function syntheticBatch(c: BenchConfig): TokenBatch {
  const t = c.model.contextLength;
  const ids = (b: number, i: number) => (b * 7919 + i * 104729) % 256;
  const inputs = Array.from({ length: c.batch }, (_, b) => Array.from({ length: t }, (_, i) => ids(b, i)));
  const targets = Array.from({ length: c.batch }, (_, b) =>
    Array.from({ length: t }, (_, i) => ids(b, i + 1)),
  );
  return {
    inputs: tf.tensor2d(inputs, [c.batch, t], 'int32'),
    targets: tf.tensor2d(targets, [c.batch, t], 'int32'),
    mask: tf.ones([c.batch, t]) as tf.Tensor2D,
  };
}

export async function runDPBenchmark(
  name: string,
  repeats = 5,
  onProgress?: (msg: string) => void,
): Promise<DPBenchResult> {
  const c = DP_BENCH_CONFIGS[name];
  if (!c)
    throw new Error(
      `unknown benchmark config "${name}" (known: ${Object.keys(DP_BENCH_CONFIGS).join(', ')})`,
    );
  const params = initParams(c.model, 1);
  const batch = syntheticBatch(c);
  const settle = async (ts: tf.Tensor[]) => {
    for (const t of ts) await t.data();
    tf.dispose(ts);
  };
  const steps: Record<'nondp' | 'dp' | 'naive', () => Promise<void>> = {
    nondp: async () => {
      const r = lmGradients(params, c.model, batch);
      await settle([r.loss, ...r.grads.values()]);
    },
    dp: async () => {
      const r = clippedGradientsFast(params, c.model, batch, { clipNorm: 1 });
      await settle([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
    },
    naive: async () => {
      const r = clippedGradientsNaive(params, c.model, batch, { clipNorm: 1 });
      await settle([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
    },
  };
  const kinds = ['nondp', 'dp', 'naive'] as const;
  const peak: Record<string, number> = {};
  for (const k of kinds) {
    onProgress?.(`warm-up and memory: ${k}`);
    await steps[k]();
    peak[k] = (await tf.profile(() => steps[k]())).peakBytes;
  }
  const samples = { nondp: [] as number[], dp: [] as number[], naive: [] as number[] };
  for (let r = 0; r < repeats; r++) {
    for (const k of kinds) {
      const t0 = performance.now();
      await steps[k]();
      samples[k].push(performance.now() - t0);
    }
    onProgress?.(
      `round ${r + 1}/${repeats}: ${kinds.map((k) => `${k} ${samples[k][r].toFixed(0)} ms`).join(', ')}`,
    );
  }
  disposeParams(params);
  tf.dispose([batch.inputs, batch.targets, batch.mask]);
  const nondp = median(samples.nondp);
  const dp = median(samples.dp);
  const naive = median(samples.naive);
  return {
    config: name,
    model: c.model,
    batch: c.batch,
    backend: tf.getBackend(),
    dp_reduction: resolveReductionStrategy('auto'),
    repeats,
    nondp_ms: nondp,
    dp_ms: dp,
    naive_ms: naive,
    nondp_peak_bytes: peak.nondp,
    dp_peak_bytes: peak.dp,
    naive_peak_bytes: peak.naive,
    dp_over_nondp_time: dp / nondp,
    dp_over_nondp_memory: peak.dp / peak.nondp,
    naive_over_dp_time: naive / dp,
    samples_ms: samples,
  };
}
