/**
 * TF.js 4.22's own wasm kernels against the project's fixes (src/model/wasm-fixes.ts), alternately
 * in one process, on the shapes where training, the DP micro-batch and generation meet them:
 *   npx tsx scripts/bench-wasm-kernel-fixes.ts [--repeats 25]
 * Prints each op's median wall time (ms, output read back included) with each kernel set and the
 * ratio fixed / TF.js. For diagnosis (README, "WASM threads"), not a test.
 */
import * as tf from '@tensorflow/tfjs';
import { median } from '../src/bench/stats';
import { initBackend } from '../src/model/backend';
import { installWasmKernelFixes, uninstallWasmKernelFixes } from '../src/model/wasm-fixes';
import { scriptArg } from './script-args';

const repeats = Number(scriptArg('repeats', '25'));
await initBackend({ override: 'wasm', wasmThreads: 1 });

const positions = tf.randomNormal([128, 128]); // wpe[0:T], tiled over 8 rows in the DP micro-batch
const table = tf.randomNormal([258, 128]); // the teacher's token embedding
const ids = tf.tensor1d(
  Array.from({ length: 1024 }, (_, j) => (j * 7) % 258),
  'int32',
);
const qkv = tf.randomNormal([1024, 384]); // attention's fused projection, split in three
const rows = tf.randomNormal([4096, 128]); // per-(example, head) rows, one block sliced out
const cache = tf.randomNormal([32, 4, 128, 32]); // a KV cache (batch, heads, positions, dh)
// The embedding norms' cross term at a vocabulary over 512: Gl[t, x_s] for one example, L^2 single
// floats gathered from the flattened (L, V) logits gradient (src/dp/embedding-norms.ts).
const logitsGrad = tf.randomNormal([128 * 2048]);
const cross = tf.tensor1d(
  Array.from({ length: 128 * 128 }, (_, j) => Math.floor(j / 128) * 2048 + ((j * 31) % 2048)),
  'int32',
);

const mlp = tf.randomNormal([1024, 512]); // the MLP's hidden activations of one micro-batch
const positions1024 = tf.randomNormal([1024, 128]); // a layer input of one micro-batch
const perExample = tf.randomNormal([8, 128, 128]);

const ops: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
  ['Tile (128, 128) x [8, 1]', () => tf.tile(positions, [8, 1])],
  ['GatherV2 1,024 rows of (258, 128)', () => tf.gather(table, ids)],
  ['SplitV (1024, 384) in 3 on axis 1', () => tf.split(qkv, 3, 1)],
  ['Slice (128, 128) of (4096, 128)', () => tf.slice(rows, [1024, 0], [128, 128])],
  ['Slice (32, 4, 64, 32) of a KV cache', () => tf.slice(cache, [0, 0, 0, 0], [32, 4, 64, 32])],
  ['GatherV2 16,384 single floats of 262,144', () => tf.gather(logitsGrad, cross)],
  ['Slice (1024, 1) of (1024, 384)', () => tf.slice(qkv, [0, 5], [1024, 1])],
  ['Sum (1024, 384) over axis 0 (a bias gradient)', () => tf.sum(qkv, 0)],
  ['Transpose (1024, 512) (MLP activations, for their weight gradient)', () => tf.transpose(mlp)],
  ['Transpose (1024, 128) (a layer input, for its weight gradient)', () => tf.transpose(positions1024)],
  [
    'Transpose (8, 128, 128) [0, 2, 1] (per example: TF.js kernel in both)',
    () => tf.transpose(perExample, [0, 2, 1]),
  ],
  [
    'Sum (8, 128, 384) over axis 1 (per-example rows: TF.js kernel in both)',
    () => tf.sum(tf.reshape(qkv, [8, 128, 384]), 1),
  ],
];

function timeOnce(f: () => tf.Tensor | tf.Tensor[]): number {
  const t0 = performance.now();
  const out = f();
  const outs = Array.isArray(out) ? out : [out];
  for (const o of outs) o.dataSync();
  const ms = performance.now() - t0;
  tf.dispose(outs);
  return ms;
}

const times = ops.map(() => ({ tfjs: [] as number[], fixed: [] as number[] }));
for (let r = 0; r < repeats; r++) {
  uninstallWasmKernelFixes();
  ops.forEach(([, f], k) => {
    times[k].tfjs.push(timeOnce(f));
  });
  installWasmKernelFixes();
  ops.forEach(([, f], k) => {
    times[k].fixed.push(timeOnce(f));
  });
}
console.log(`median of ${repeats}, ms (output read back included)`);
console.log('TF.js kernel   fixed   fixed / TF.js   op');
ops.forEach(([name], k) => {
  const [a, b] = [median(times[k].tfjs), median(times[k].fixed)];
  console.log(
    `${a.toFixed(3).padStart(12)} ${b.toFixed(3).padStart(8)} ${(b / a).toFixed(3).padStart(14)}   ${name}`,
  );
});
