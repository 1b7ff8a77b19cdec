/**
 * Where the time of one DP micro-batch goes, kernel by kernel (TF.js' profiler, wasm, one thread):
 *   npx tsx scripts/profile-dp-step.ts [--config small] [--rows 8] [--repeats 9] [--top 25]
 * Runs the book-keeping clipped-gradient pass (src/train/clipped-accumulator.ts, as a training
 * step and the gradient helpers run it) on `rows` windows of the benchmark config's shape, twice
 * to warm up, then `repeats` times timed and once profiled. Prints the median wall time (min-max), the model FLOPs per second,
 * the time summed by kernel, and the costliest kernel/shape pairs. Kernel times are wall clock per
 * kernel; the custom ops (kernel "forward") include the kernels they run, so sums over all
 * kernels count those twice. For diagnosis (README, "WASM threads"), not a benchmark.
 */
import * as tf from '@tensorflow/tfjs';
import { benchConfig } from '../src/bench/bench-configs';
import { trainingStepFlops } from '../src/bench/flops';
import { initBackend } from '../src/model/backend';
import { initParams } from '../src/model/params';
import { disposeBatch, windowsToBatch } from '../src/train/batching';
import { ClippedSumAccumulator } from '../src/train/clipped-accumulator';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const c = benchConfig(option('config', 'small'));
const rows = Number(option('rows', '8'));
const top = Number(option('top', '25'));
const repeats = Number(option('repeats', '9'));
await initBackend({ override: 'wasm', wasmThreads: 1 });
const params = initParams(c.model, 1);
const names = [...params.keys()];
const t = c.model.contextLength;
// Deterministic token rows (T + 1 tokens: inputs and the last target).
const windows = Array.from({ length: rows }, (_, r) =>
  Array.from({ length: t + 1 }, (_, i) => (r * 31 + i * 7 + 5) % c.model.vocabSize),
);
const ctx = { params, config: c.model, clipping: { clipNorm: 1 }, padId: 0 };

async function microBatch(): Promise<void> {
  const acc = new ClippedSumAccumulator();
  const batch = windowsToBatch(windows, rows, t, 0);
  try {
    await acc.addMicroBatch(batch, 1, ctx);
    await acc.readArrays(names, params);
  } finally {
    disposeBatch(batch);
    acc.dispose();
  }
}

await microBatch();
await microBatch();
const samples: number[] = [];
for (let r = 0; r < repeats; r++) {
  const started = performance.now();
  await microBatch();
  samples.push(performance.now() - started);
}
samples.sort((a, b) => a - b);
const wallMs = samples[samples.length >> 1];
const profile = await tf.profile(microBatch);

const gflops = trainingStepFlops(c.model, rows, t) / (wallMs * 1e6);
console.log(
  `${c.description}; ${rows} rows of ${t} tokens: ${wallMs.toFixed(0)} ms wall (median of ${repeats}, ${samples[0].toFixed(0)}-${samples[samples.length - 1].toFixed(0)}), ${gflops.toFixed(1)} GFLOP/s (model FLOPs), ${profile.kernels.length} kernel calls`,
);
const byKernel = new Map<string, { ms: number; calls: number }>();
const byShape = new Map<string, { ms: number; calls: number }>();
const add = (m: Map<string, { ms: number; calls: number }>, key: string, ms: number) => {
  const e = m.get(key) ?? { ms: 0, calls: 0 };
  e.ms += ms;
  e.calls++;
  m.set(key, e);
};
for (const k of profile.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  add(byKernel, k.name, ms);
  add(byShape, `${k.name} ${JSON.stringify(k.inputShapes)} -> ${JSON.stringify(k.outputShapes)}`, ms);
}
const sorted = (m: Map<string, { ms: number; calls: number }>) => [...m].sort((a, b) => b[1].ms - a[1].ms);
console.log('\nms      calls  kernel');
for (const [k, e] of sorted(byKernel).slice(0, top))
  console.log(`${e.ms.toFixed(1).padStart(6)} ${String(e.calls).padStart(6)}  ${k}`);
console.log('\nms      calls  kernel, input shapes -> output shapes');
for (const [k, e] of sorted(byShape).slice(0, top))
  console.log(`${e.ms.toFixed(1).padStart(6)} ${String(e.calls).padStart(6)}  ${k}`);
