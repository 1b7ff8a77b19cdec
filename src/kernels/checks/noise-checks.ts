/**
 * Checks of the fused noise + AdamW kernel (shared by the Node test and the browser page):
 * Philox words against Random123 KATs and src/random/philox.ts, the Gaussian stream against
 * src/random/noise.ts, distribution and independence statistics over >= 2^20 samples (fixed test
 * seeds, two-sided tests at alpha = 1e-3), and the AdamW arithmetic against a float64 loop
 * (adamw-checks.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { NoiseSeed } from '../../random/noise';
import { philox4x32_10 } from '../../random/philox';
import { type NoisyAdamWConfig, noisyAdamW } from '../noisy-adamw';
import { PhiloxBlocksProgram } from '../programs/philox-wgsl';
import { activeWebGPUBackend } from '../webgpu-backend';
import { checkAdamW, cpuNoise } from './adamw-checks';
import { mulberry32, SEED_A, SEED_B } from './cases';
import { type CheckResult, check, type KernelCheck } from './check-result';
import * as stats from './stats';

/** float32 Gaussian vs the float64 reference: |diff| <= this * max(1, |z|). */
export const NOISE_TOLERANCE = 2e-6;
const ALPHA = 1e-3;
export const STAT_SAMPLES = 2 ** 20 + 5;

const KATS: { counter: number[]; key: [number, number]; words: number[] }[] = [
  { counter: [0, 0, 0, 0], key: [0, 0], words: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  {
    counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    words: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    words: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
];

/** Philox4x32-10 of n counters under one key, computed by the WGSL program. */
async function philoxWebGPU(counters: Uint32Array, key: [number, number]): Promise<Uint32Array> {
  const backend = activeWebGPUBackend();
  const blocks = counters.length / 4;
  const ctr = tf.tensor2d(new Int32Array(Uint32Array.from(counters).buffer), [blocks, 4], 'int32');
  const info = backend.runWebGPUProgram(new PhiloxBlocksProgram(blocks), [ctr], 'int32', [
    { type: 'uint32', data: key },
  ]);
  const out = tf.engine().makeTensorFromTensorInfo(info);
  const words = new Uint32Array(((await out.data()) as Int32Array).slice().buffer);
  tf.dispose([ctr, out]);
  return words;
}

async function checkPhilox(): Promise<CheckResult> {
  let katMismatches = 0;
  for (const kat of KATS) {
    const gpu = await philoxWebGPU(Uint32Array.from(kat.counter), kat.key);
    const cpu = new Uint32Array(4);
    philox4x32_10(
      kat.counter[0],
      kat.counter[1],
      kat.counter[2],
      kat.counter[3],
      kat.key[0],
      kat.key[1],
      cpu,
    );
    katMismatches += kat.words.filter((w, k) => gpu[k] !== w || cpu[k] !== w).length;
  }
  const rand = mulberry32(7);
  const word = () => Math.floor(rand() * 2 ** 32) >>> 0;
  let randomMismatches = 0;
  const cpu = new Uint32Array(4);
  for (let trial = 0; trial < 4; trial++) {
    const key: [number, number] = [word(), word()];
    const counters = Uint32Array.from({ length: 4 * 1024 }, word);
    const gpu = await philoxWebGPU(counters, key);
    for (let n = 0; n < 1024; n++) {
      const c = counters.subarray(4 * n, 4 * n + 4);
      philox4x32_10(c[0], c[1], c[2], c[3], key[0], key[1], cpu);
      for (let k = 0; k < 4; k++) if (gpu[4 * n + k] !== cpu[k]) randomMismatches++;
    }
  }
  const errors = { kat_word_mismatches: katMismatches, random_word_mismatches: randomMismatches };
  return check(
    'philox4x32-10 WGSL: KATs and 4096 random blocks bit-exact',
    errors,
    { kat_word_mismatches: 0, random_word_mismatches: 0 },
    'words compared with src/random/philox.ts and Random123',
  );
}

/** The raw stream z from the fused kernel: with S = m = v = theta = 0, std 1, beta1 0, m' = z. */
async function gpuNoise(seed: NoiseSeed, count: number, offset: number): Promise<Float32Array> {
  const zeros = tf.zeros([count]);
  const cfg: NoisyAdamWConfig = {
    seed,
    offset,
    noiseStd: 1,
    expectedBatchSize: 1,
    lr: 0,
    beta1: 0,
    beta2: 0.5,
    epsilon: 1,
    weightDecay: 0,
    step: 1,
  };
  const out = noisyAdamW({ theta: zeros, m: zeros, v: zeros }, zeros, cfg);
  const z = (await out.m.data()) as Float32Array;
  tf.dispose([zeros, out.theta, out.m, out.v]);
  return z;
}

async function checkStreamEquality(): Promise<CheckResult> {
  // Offsets: even, odd (stream elements straddle blocks), and past 2^33 (block index carries into its high word).
  const runs = [
    { offset: 0, count: 4099 },
    { offset: 7, count: 1000 },
    { offset: 2 ** 33 - 5, count: 16 },
  ];
  let worst = 0;
  let worstAt = '';
  for (const { offset, count } of runs) {
    const gpu = await gpuNoise(SEED_A, count, offset);
    const cpu = cpuNoise(SEED_A, count, offset);
    for (let j = 0; j < count; j++) {
      const e = Math.abs(gpu[j] - cpu[j]) / Math.max(1, Math.abs(cpu[j]));
      if (!(e <= worst)) {
        worst = e;
        worstAt = `offset ${offset} j ${j}: ${gpu[j]} vs ${cpu[j]}`;
      }
    }
  }
  return check(
    'noise stream equals src/random/noise.ts',
    { max_scaled_diff: worst },
    { max_scaled_diff: NOISE_TOLERANCE },
    `worst ${worstAt}`,
  );
}

async function checkStatistics(): Promise<CheckResult> {
  const z = await gpuNoise(SEED_A, STAT_SAMPLES, 0);
  const n = z.length;
  const { mean, variance } = stats.meanAndVariance(z);
  const other = await gpuNoise(SEED_B, STAT_SAMPLES, 0);
  const errors = {
    mean_z: mean * Math.sqrt(n),
    variance_z: (variance - 1) / Math.sqrt(2 / n),
    ks_sqrt_n_d: stats.ksScaledStatistic(z),
    lag1_corr_z: stats.lagCorrelation(z, 1) * Math.sqrt(n),
    lag2_corr_z: stats.lagCorrelation(z, 2) * Math.sqrt(n),
    next_seed_corr_z: stats.correlation(z, other) * Math.sqrt(n),
  };
  const zc = stats.Z_CRITICAL_1E3;
  const limits = {
    mean_z: zc,
    variance_z: zc,
    ks_sqrt_n_d: stats.ksCritical(ALPHA),
    lag1_corr_z: zc,
    lag2_corr_z: zc,
    next_seed_corr_z: zc,
  };
  return check(
    `noise statistics over ${n} samples (alpha ${ALPHA})`,
    errors,
    limits,
    'z-scores; KS sqrt(n) D vs 1.9495',
  );
}

async function checkDeterminism(): Promise<CheckResult> {
  const count = 4097;
  const first = await gpuNoise(SEED_A, count, 3);
  const again = await gpuNoise(SEED_A, count, 3);
  const other = await gpuNoise(SEED_B, count, 3);
  let differentInRepeat = 0;
  let equalAcrossSeeds = 0;
  for (let j = 0; j < count; j++) {
    if (first[j] !== again[j]) differentInRepeat++;
    if (first[j] === other[j]) equalAcrossSeeds++;
  }
  const errors = {
    same_seed_differences: differentInRepeat,
    other_seed_equal_fraction: equalAcrossSeeds / count,
  };
  return check(
    'same seed -> same noise, different seed -> different noise',
    errors,
    { same_seed_differences: 0, other_seed_equal_fraction: 1e-3 },
    `${count} elements`,
  );
}

/** `gpu`: include the WGSL-only checks (the backend must be webgpu when they run). */
export function noiseChecks(gpu: boolean): KernelCheck[] {
  const checks: KernelCheck[] = [
    { name: 'noisy AdamW vs float64 (functional and in place)', run: checkAdamW },
  ];
  if (!gpu) return checks;
  return [
    { name: 'philox4x32-10 WGSL bit-exact', run: checkPhilox },
    { name: 'noise stream equals src/random/noise.ts', run: checkStreamEquality },
    { name: 'noise statistics', run: checkStatistics },
    { name: 'noise determinism', run: checkDeterminism },
    ...checks,
  ];
}
