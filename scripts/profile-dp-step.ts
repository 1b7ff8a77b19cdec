/**
 * Where the time of one DP micro-batch goes, kernel by kernel (TF.js' profiler, wasm, one thread):
 *   npx tsx scripts/profile-dp-step.ts [--config small] [--rows 8] [--windows-per-example 1] [--step dp|nondp] [--repeats 9] [--top 25]
 * Runs the book-keeping clipped-gradient pass (src/train/clipped-accumulator.ts, as a training
 * step and the gradient helpers run it) on `rows` windows of the benchmark config's shape, in
 * examples (documents) of `windows-per-example` windows each (the recipe allows up to 8), twice
 * to warm up, then `repeats` times timed and once profiled; `--step nondp` profiles the ordinary
 * gradient of the same rows instead (src/train/step.ts' lmGradients: distillation, the non-private
 * baseline). Prints the median wall time (min-max), the model FLOPs per second,
 * the time summed by kernel, and the costliest kernel/shape pairs. Kernel times are wall clock per
 * kernel; the custom ops (kernel "forward") include the kernels they run, so sums over all
 * kernels count those twice. The profiler's per-kernel times overstate small kernels (a
 * (1, 8) x (8, 65536) matmul shows ~1.7 ms in the profile and takes ~0.06 ms timed alone), so the
 * script also replays the micro-batch's matrix products alone (`--replay`, default on): the same
 * shapes, transposes and operand reuse (the parameters persist across micro-batches, every other
 * operand is a fresh tensor, as in the step, so XNNPACK packs it afresh), timed by wall clock. That
 * replay is the floor of a step made of these products: model FLOPs / replay time / matmul peak
 * bounds the step's fraction of peak from above, whatever the other kernels cost.
 * For diagnosis (README, "WASM threads"), not a benchmark.
 */
import * as tf from '@tensorflow/tfjs';
import { benchConfig } from '../src/bench/bench-configs';
import { trainingStepFlops } from '../src/bench/flops';
import { measureMatmulPeak } from '../src/bench/matmul-peak';
import { median } from '../src/bench/stats';
import { initBackend } from '../src/model/backend';
import { initParams } from '../src/model/params';
import { disposeBatch, windowsToBatch } from '../src/train/batching';
import { ClippedSumAccumulator } from '../src/train/clipped-accumulator';
import { lmGradients } from '../src/train/step';
import { scriptArg } from './script-args';

const c = benchConfig(scriptArg('config', 'small'));
const rows = Number(scriptArg('rows', '8'));
const windowsPerExample = Number(scriptArg('windows-per-example', '1'));
if (!Number.isInteger(windowsPerExample) || windowsPerExample < 1 || rows % windowsPerExample !== 0)
  throw new Error(`--windows-per-example must be a positive integer dividing --rows ${rows}`);
const top = Number(scriptArg('top', '25'));
const repeats = Number(scriptArg('repeats', '9'));
await initBackend({ override: 'wasm', wasmThreads: 1 });
const params = initParams(c.model, 1);
const names = [...params.keys()];
const t = c.model.contextLength;
// Deterministic token rows (T + 1 tokens: inputs and the last target).
const windows = Array.from({ length: rows }, (_, r) =>
  Array.from({ length: t + 1 }, (_, i) => (r * 31 + i * 7 + 5) % c.model.vocabSize),
);
const ctx = { params, config: c.model, clipping: { clipNorm: 1 }, padId: 0 };

const step = scriptArg('step', 'dp');
if (step !== 'dp' && step !== 'nondp') throw new Error(`--step must be dp or nondp, got ${step}`);

async function microBatch(): Promise<void> {
  if (step === 'nondp') {
    const batch = windowsToBatch(windows, rows, t, 0);
    const { loss, grads } = lmGradients(params, c.model, batch);
    await Promise.all([...grads.values()].map((g) => g.data()));
    tf.dispose([loss, ...grads.values()]);
    disposeBatch(batch);
    return;
  }
  const acc = new ClippedSumAccumulator();
  const batch = windowsToBatch(windows, rows, t, 0);
  try {
    await acc.addMicroBatch(batch, windowsPerExample, ctx);
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
  `${c.description}; ${rows} rows of ${t} tokens, ${step === 'nondp' ? 'non-DP gradient' : `${windowsPerExample} per example`}: ${wallMs.toFixed(0)} ms wall (median of ${repeats}, ${samples[0].toFixed(0)}-${samples[samples.length - 1].toFixed(0)}), ${gflops.toFixed(1)} GFLOP/s (model FLOPs), ${profile.kernels.length} kernel calls`,
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

if (scriptArg('replay', 'on') !== 'off') await replayMatmuls();

/**
 * Records every BatchMatMul of one micro-batch (operand shapes, transposes, operand identity),
 * then times the same products alone. Operands that are parameters are created once and reused
 * across repeats (XNNPACK caches its packing per operand buffer, as it does for the step's
 * weights); every other operand is created afresh before each repeat, outside the timing.
 */
async function replayMatmuls(): Promise<void> {
  interface Call {
    a: number;
    b: number;
    transposeA: boolean;
    transposeB: boolean;
  }
  // Operand id -> shape; the ids of operands that are parameters.
  const shapes: number[][] = [];
  const persistent = new Set<number>();
  const idByData = new Map<object, number>();
  const paramData = new Set<object>([...params.values()].map((p) => p.dataId));
  const calls: Call[] = [];
  const kernel = tf.getKernel('BatchMatMul', 'wasm')!;
  const idOf = (t: tf.TensorInfo) => {
    let id = idByData.get(t.dataId);
    if (id === undefined) {
      id = shapes.push([...t.shape]) - 1;
      idByData.set(t.dataId, id);
      if (paramData.has(t.dataId)) persistent.add(id);
    }
    return id;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      calls.push({ a: idOf(a), b: idOf(b), transposeA, transposeB });
      return kernel.kernelFunc(args);
    },
  });
  try {
    await microBatch();
  } finally {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel(kernel);
  }
  const make = (id: number) => tf.randomUniform(shapes[id], -1, 1, 'float32', id + 1);
  const kept = new Map([...persistent].map((id) => [id, make(id)]));
  const callFlops = (c: Call) => {
    const [as, bs] = [shapes[c.a], shapes[c.b]];
    const m = c.transposeA ? as[as.length - 1] : as[as.length - 2];
    const k = c.transposeA ? as[as.length - 2] : as[as.length - 1];
    const n = c.transposeB ? bs[bs.length - 2] : bs[bs.length - 1];
    const size = (dims: number[]) => dims.reduce((x, y) => x * y, 1);
    return 2 * Math.max(size(as.slice(0, -2)), size(bs.slice(0, -2))) * m * k * n;
  };
  const flops = calls.reduce((sum, c) => sum + callFlops(c), 0);
  // Per shape: summed time of its calls (each timed alone; the backend is synchronous).
  const byShape = new Map<string, { ms: number; calls: number; flops: number }>();
  const productName = (c: Call) =>
    `${JSON.stringify(shapes[c.a])}${c.transposeA ? 'T' : ''} x ${JSON.stringify(shapes[c.b])}${c.transposeB ? 'T' : ''}`;
  const once = async (perCall = false) => {
    const fresh = new Map<number, tf.Tensor>();
    shapes.forEach((_, id) => {
      if (!persistent.has(id)) fresh.set(id, make(id));
    });
    await Promise.all([...fresh.values()].map((t) => t.data()));
    const get = (id: number) => (kept.get(id) ?? fresh.get(id)) as tf.Tensor;
    const started = performance.now();
    for (const c of calls) {
      const t0 = perCall ? performance.now() : 0;
      tf.matMul(get(c.a), get(c.b), c.transposeA, c.transposeB).dispose();
      if (perCall) {
        const key = productName(c);
        const e = byShape.get(key) ?? { ms: 0, calls: 0, flops: callFlops(c) };
        e.ms += performance.now() - t0;
        e.calls++;
        byShape.set(key, e);
      }
    }
    const ms = performance.now() - started;
    tf.dispose([...fresh.values()]);
    return ms;
  };
  await once();
  // The replay alternates with the micro-batch itself, so both see the same load on a shared host.
  const replay: number[] = [];
  const steps: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    await microBatch();
    steps.push(performance.now() - started);
    replay.push(await once());
  }
  const share = median(replay.map((x, i) => x / steps[i]));
  const replayMs = median(replay);
  const stepMs = median(steps);
  const peak = await measureMatmulPeak(c.model, rows * t);
  const modelFlops = trainingStepFlops(c.model, rows, t);
  const transposed = calls.filter((x) => x.transposeA || x.transposeB).length;
  const batched = calls.filter((x) => shapes[x.a].length > 2 || shapes[x.b].length > 2).length;
  console.log(
    `\nmatmul replay: ${calls.length} products (${transposed} transposed, ${batched} batched, ${persistent.size} parameter operands), ${(flops / 1e9).toFixed(2)} GFLOP (model FLOPs ${(modelFlops / 1e9).toFixed(2)})`,
  );
  console.log(
    `  replay ${replayMs.toFixed(0)} ms (median of ${repeats}, ${Math.min(...replay).toFixed(0)}-${Math.max(...replay).toFixed(0)}), the micro-batch alternating with it ${stepMs.toFixed(0)} ms: the products take ${(100 * share).toFixed(0)}% of its time (median of the paired ratios); ${(flops / (replayMs * 1e6)).toFixed(1)} GFLOP/s in its products`,
  );
  const bound = modelFlops / (replayMs * 1e6) / peak.gflops_peak;
  const measured = modelFlops / (stepMs * 1e6) / peak.gflops_peak;
  console.log(
    `  matmul peak ${peak.gflops_peak.toFixed(1)} GFLOP/s (${peak.timings.map((x) => `${x.shape.join('x')}: ${x.gflops.toFixed(1)}`).join(', ')})`,
  );
  console.log(
    `  fraction of peak: step ${(100 * measured).toFixed(0)}%, its products alone ${(100 * bound).toFixed(0)}% (the ceiling with every other kernel free)`,
  );
  await once(true);
  console.log('\n  ms     calls  GFLOP/s  product (per-call times, one pass)');
  for (const [key, e] of [...byShape].sort((x, y) => y[1].ms - x[1].ms).slice(0, Math.max(top, 12)))
    console.log(
      `  ${e.ms.toFixed(1).padStart(6)} ${String(e.calls).padStart(5)} ${((e.flops * e.calls) / (e.ms * 1e6)).toFixed(1).padStart(7)}  ${key}`,
    );
  tf.dispose([...kept.values()]);
}
